# One role per function, each allowed only what its handler does. Statements are built
# per function below; anything not listed is denied by omission (e.g. the webhook role
# cannot read the credentials, and only the refresher may write the token store).

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name                 = "${local.function_names[each.key]}-role"
  description          = "Execution role of ${local.function_names[each.key]} (least privilege)"
  assume_role_policy   = data.aws_iam_policy_document.assume_lambda.json
  max_session_duration = 3600
  tags                 = local.tags
}

locals {
  via = { for svc in ["secretsmanager", "s3", "sqs", "dynamodb", "lambda"] : svc => "${svc}.${local.aws_region}.amazonaws.com" }

  # AWS services through which each function's role may use the KMS key. Lambda decrypts
  # the (KMS-encrypted) environment at cold start on the role's behalf.
  kms_decrypt_via = {
    refresh_token = [local.via.secretsmanager, local.via.lambda]
    link_session  = [local.via.secretsmanager, local.via.lambda]
    webhook       = [local.via.secretsmanager, local.via.lambda, local.via.sqs, local.via.dynamodb]
    sync_plan     = [local.via.secretsmanager, local.via.lambda, local.via.s3, local.via.sqs]
    sync          = [local.via.secretsmanager, local.via.lambda, local.via.s3, local.via.sqs]
  }
  # Writes of encrypted data need new data keys: the token store (refresher), queued
  # events and dedupe items (webhook), the plan and queued entities (planner), sync output
  # objects (sync).
  kms_generate_via = {
    refresh_token = local.oauth_enabled ? [local.via.secretsmanager] : []
    link_session  = []
    webhook       = [local.via.sqs, local.via.dynamodb]
    sync_plan     = [local.via.s3, local.via.sqs]
    sync          = [local.via.s3]
  }

  sync_writers = ["sync_plan", "sync"]
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arns[each.key]}:*"]
  }

  statement {
    sid = "XRayTraces"
    # X-Ray's write actions support no resource-level permissions.
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadOwnSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.readable_secret_arns[each.key]
  }

  dynamic "statement" {
    for_each = each.key == "refresh_token" && local.oauth_enabled ? [local.token_store_arn] : []
    content {
      sid       = "WriteTokenStore"
      actions   = ["secretsmanager:PutSecretValue"]
      resources = [statement.value]
    }
  }

  statement {
    sid       = "DecryptThroughUsedServices"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = local.kms_decrypt_via[each.key]
    }
  }

  dynamic "statement" {
    for_each = length(local.kms_generate_via[each.key]) > 0 ? [local.kms_generate_via[each.key]] : []
    content {
      sid       = "EncryptThroughUsedServices"
      actions   = ["kms:GenerateDataKey"]
      resources = [aws_kms_key.this.arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = statement.value
      }
    }
  }

  dynamic "statement" {
    for_each = each.key == "webhook" ? [1] : []
    content {
      sid = "RecordWebhookEventIds"
      # DeleteItem: a failed delivery forgets its id so that Lean's redelivery gets through.
      actions   = ["dynamodb:PutItem", "dynamodb:DeleteItem"]
      resources = [aws_dynamodb_table.webhook_dedupe.arn]
    }
  }

  dynamic "statement" {
    for_each = each.key == "webhook" ? [1] : []
    content {
      sid       = "EnqueueWebhookEvents"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.webhook_events.arn]
    }
  }

  dynamic "statement" {
    for_each = contains(local.sync_writers, each.key) ? [1] : []
    content {
      sid       = "ListOwnSyncPrefix"
      actions   = ["s3:ListBucket"]
      resources = [aws_s3_bucket.sync_output.arn]

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${var.sync_output_prefix}/*"]
      }
    }
  }

  dynamic "statement" {
    for_each = each.key == "sync" ? [1] : []
    content {
      sid = "FindUnfinishedUploads"
      # A redelivered entity aborts the multipart uploads its killed attempt left. This
      # listing takes no s3:prefix condition; the bucket holds sync output only.
      actions   = ["s3:ListBucketMultipartUploads"]
      resources = [aws_s3_bucket.sync_output.arn]
    }
  }

  dynamic "statement" {
    for_each = contains(local.sync_writers, each.key) ? [1] : []
    content {
      sid = "ReadWriteSyncOutput"
      # DeleteObject: a re-run clears a half-written entity before rewriting it;
      # AbortMultipartUpload: a failed entity drops the parts it streamed.
      actions = each.key == "sync" ? [
        "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"
      ] : ["s3:GetObject", "s3:PutObject"]
      resources = ["${aws_s3_bucket.sync_output.arn}/${var.sync_output_prefix}/*"]
    }
  }

  dynamic "statement" {
    for_each = each.key == "sync_plan" ? [1] : []
    content {
      sid       = "EnqueueSyncEntities"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.sync.arn]
    }
  }

  dynamic "statement" {
    for_each = each.key == "sync" ? [1] : []
    content {
      sid = "ConsumeSyncQueue"
      # What the event source mapping does with the function's role.
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [aws_sqs_queue.sync.arn]
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = "least-privilege"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

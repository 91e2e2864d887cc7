# Where the functions put data: the sync bucket, the sync and webhook queues (+ DLQs) and
# the webhook dedupe table. All encrypted with the module's KMS key; the queues, like the
# bucket, refuse any request that is not over TLS.

resource "aws_s3_bucket" "sync_output" {
  #checkov:skip=CKV_AWS_18:Access logging needs a separate log bucket owned by the account's logging setup, not this module.
  #checkov:skip=CKV_AWS_144:Sync output can be rebuilt from Lean by re-running the sync; cross-region replication is not needed.
  #checkov:skip=CKV2_AWS_62:Nothing consumes bucket events; the sync job writes a manifest instead.
  bucket        = "${var.name}-sync-${local.account_id}"
  force_destroy = var.sync_bucket_force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_ownership_controls" "sync_output" {
  bucket = aws_s3_bucket.sync_output.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "sync_output" {
  bucket                  = aws_s3_bucket.sync_output.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "sync_output" {
  bucket = aws_s3_bucket.sync_output.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "sync_output" {
  bucket = aws_s3_bucket.sync_output.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "sync_output" {
  bucket = aws_s3_bucket.sync_output.id

  rule {
    id     = "expire-noncurrent-and-abort-uploads"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.sync_noncurrent_version_expiry_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.sync_output]
}

data "aws_iam_policy_document" "sync_output_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.sync_output.arn, "${aws_s3_bucket.sync_output.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "sync_output" {
  bucket = aws_s3_bucket.sync_output.id
  policy = data.aws_iam_policy_document.sync_output_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.sync_output]
}

# ------------------------------------------------------------------ Webhook queue

resource "aws_sqs_queue" "webhook_dlq" {
  name                              = "${var.name}-webhook-events-dlq"
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 1209600
  tags                              = local.tags
}

resource "aws_sqs_queue" "webhook_events" {
  name                              = "${var.name}-webhook-events"
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 345600
  # A consumer may run as long as the sync job; the message must stay hidden meanwhile.
  visibility_timeout_seconds = var.sync_timeout_s

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.webhook_dlq.arn
    maxReceiveCount     = var.webhook_max_receive_count
  })

  tags = local.tags
}

# --------------------------------------------------------------------- Sync queue
# One message per entity of a planned run; the event source mapping (lambda.tf) hands
# batches of them to the sync workers.

resource "aws_sqs_queue" "sync_dlq" {
  name                              = "${var.name}-sync-dlq"
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 1209600
  tags                              = local.tags
}

resource "aws_sqs_queue" "sync" {
  name                              = "${var.name}-sync"
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 345600
  # AWS's advice for a queue trigger: six times the function timeout, so a batch being
  # retried by Lambda is not handed to a second worker meanwhile.
  visibility_timeout_seconds = min(6 * var.sync_timeout_s, 43200)

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.sync_dlq.arn
    maxReceiveCount     = var.sync_max_receive_count
  })

  tags = local.tags
}

locals {
  queues = {
    webhook_events = aws_sqs_queue.webhook_events
    webhook_dlq    = aws_sqs_queue.webhook_dlq
    sync           = aws_sqs_queue.sync
    sync_dlq       = aws_sqs_queue.sync_dlq
  }
}

data "aws_iam_policy_document" "queue_tls_only" {
  for_each = local.queues

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "tls_only" {
  for_each = local.queues

  queue_url = each.value.id
  policy    = data.aws_iam_policy_document.queue_tls_only[each.key].json
}

# ---------------------------------------------------------- Webhook dedupe table
# Lean redelivers an event for hours; the webhook handler writes event_id with a
# conditional put and an expires_at (epoch seconds) that DynamoDB's TTL then removes.

resource "aws_dynamodb_table" "webhook_dedupe" {
  name                        = "${var.name}-webhook-dedupe"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "event_id"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "event_id"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  tags = local.tags
}

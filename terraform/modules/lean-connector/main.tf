# The Lean connector's AWS side: a KMS key, the secrets it reads (created empty), the
# functions and what they need. Values of secrets never pass through Terraform: they are
# put out of band (see README.md), so neither variables nor state ever hold them.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  aws_region = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  mtls_enabled  = var.auth_mode == "mtls" || (var.auth_mode == "oauth" && var.mtls_with_oauth)
  oauth_enabled = var.auth_mode == "oauth"
  # OAuth signs with a bearer token and LinkSDK gets auth.client_id: nothing reads an app token.
  app_token_enabled = !local.oauth_enabled

  all_functions = {
    refresh_token = {
      handler     = "lean_connector.aws_lambda.refresh_token_handler"
      description = "Refreshes the Lean API token into the shared token store secret"
      timeout     = var.lambda_timeout_s
    }
    link_session = {
      handler     = "lean_connector.aws_lambda.link_session_handler"
      description = "API Gateway: returns the LinkSDK connect config for an app user"
      timeout     = var.lambda_timeout_s
    }
    webhook = {
      handler     = "lean_connector.aws_lambda.webhook_handler"
      description = "API Gateway: verifies, dedupes and enqueues Lean webhooks"
      timeout     = var.lambda_timeout_s
    }
    sync_plan = {
      handler     = "lean_connector.aws_lambda.sync_plan_handler"
      description = "Scheduled: plans a sync run and enqueues its entities for the sync workers"
      timeout     = var.sync_timeout_s
    }
    sync = {
      handler     = "lean_connector.aws_lambda.sync_handler"
      description = "Sync queue worker: syncs the batch's entities (accounts, balances, transactions) to S3"
      timeout     = var.sync_timeout_s
    }
  }

  # The refresher only exists with OAuth: mTLS and app-token modes have no bearer token to
  # share, and a refresher without a token store would fail every run.
  functions = { for key, fn in local.all_functions : key => fn if key != "refresh_token" || local.oauth_enabled }

  function_names  = { for key, _ in local.functions : key => "${var.name}-${replace(key, "_", "-")}" }
  log_group_names = { for key, fn in local.function_names : key => "/aws/lambda/${fn}" }
  log_group_arns = {
    for key, lg in local.log_group_names :
    key => "arn:${local.partition}:logs:${local.aws_region}:${local.account_id}:log-group:${lg}"
  }

  # Functions that call Lean, so load the credentials (and the certificate under mTLS).
  lean_callers = setintersection(["refresh_token", "link_session", "sync_plan", "sync"], keys(local.functions))

  api_log_group_name = "/aws/apigateway/${var.name}-http-api"

  tags = merge(var.tags, { "lean-connector:name" = var.name })
}

# ---------------------------------------------------------------------------- KMS

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:A key policy's Resource is always "*" (the key itself); access is delegated to IAM through the account root.
  #checkov:skip=CKV_AWS_111:A key policy's Resource is always "*" (the key itself); access is delegated to IAM through the account root.
  #checkov:skip=CKV_AWS_356:A key policy's Resource is always "*" (the key itself).
  statement {
    sid       = "AccountAdministersKeyThroughIAM"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogsEncryptsOurLogGroups"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.aws_region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = [
        "arn:${local.partition}:logs:${local.aws_region}:${local.account_id}:log-group:/aws/lambda/${var.name}-*",
        "arn:${local.partition}:logs:${local.aws_region}:${local.account_id}:log-group:${local.api_log_group_name}",
      ]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name}: Lean connector secrets, logs, queues, table and sync output"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = local.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

# ------------------------------------------------------------------------ Secrets
# Created without a value: `lean-connector secrets put` or the AWS CLI (README.md) fills them.
# Rotation is not automatic: the values are issued by Lean (portal) and rotated there.

resource "aws_secretsmanager_secret" "app_token" {
  #checkov:skip=CKV2_AWS_57:Issued by Lean in its portal; rotated there and put again by hand.
  count = local.app_token_enabled ? 1 : 0

  name                    = "${var.name}/app-token"
  description             = "Lean app token, JSON {\"app_token\": ...}"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = local.tags
}

# The app-token secret was not counted before: keep an mtls/app_token stage's secret (and its
# value) instead of replacing it. An oauth stage then destroys the unused secret.
moved {
  from = aws_secretsmanager_secret.app_token
  to   = aws_secretsmanager_secret.app_token[0]
}

resource "aws_secretsmanager_secret" "oauth_client" {
  #checkov:skip=CKV2_AWS_57:Issued by Lean in its portal; rotated there and put again by hand.
  count = local.oauth_enabled ? 1 : 0

  name                    = "${var.name}/oauth-client"
  description             = "Lean OAuth client secret, JSON {\"client_secret\": ...}"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret" "mtls" {
  #checkov:skip=CKV2_AWS_57:The certificate is issued through the Lean portal; rotated there and put again by hand (the expiry alarm warns).
  count = local.mtls_enabled ? 1 : 0

  name                    = "${var.name}/mtls"
  description             = "mTLS bundle, JSON {\"certificate\", \"private_key\", \"ca_chain\"} (PEM)"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret" "webhook" {
  #checkov:skip=CKV2_AWS_57:The webhook secret comes from the Lean dashboard; rotated there and put again by hand.
  name                    = "${var.name}/webhook"
  description             = "Lean webhook signing secret, JSON {\"secret\": ...}"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret" "token_store" {
  #checkov:skip=CKV2_AWS_57:Written every 30 minutes by the refresher function, which is its rotation.
  count = local.oauth_enabled ? 1 : 0

  name                    = "${var.name}/token-store"
  description             = "Shared Lean API token written by the refresher (JSON {access_token, scope, expires_at})"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = local.tags
}

locals {
  app_token_arn    = one(aws_secretsmanager_secret.app_token[*].arn)
  oauth_client_arn = one(aws_secretsmanager_secret.oauth_client[*].arn)
  mtls_arn         = one(aws_secretsmanager_secret.mtls[*].arn)
  webhook_arn      = aws_secretsmanager_secret.webhook.arn
  token_store_arn  = one(aws_secretsmanager_secret.token_store[*].arn)

  # Secrets each function may read; everything else is denied by omission.
  credential_secret_arns = compact([local.app_token_arn, local.oauth_client_arn, local.mtls_arn, local.token_store_arn])
  readable_secret_arns = {
    refresh_token = local.credential_secret_arns
    link_session  = local.credential_secret_arns
    sync_plan     = local.credential_secret_arns
    sync          = local.credential_secret_arns
    webhook       = [local.webhook_arn]
  }

  sync_output = "s3://${aws_s3_bucket.sync_output.bucket}/${var.sync_output_prefix}"

  # The whole spec as LEAN_* env vars: references to secrets, never values.
  spec_environment = { for k, v in {
    LEAN_ENVIRONMENT         = var.environment
    LEAN_REGION              = var.lean_region
    LEAN_AUTH__MODE          = var.auth_mode
    LEAN_AUTH__APP_TOKEN     = local.app_token_enabled ? "aws-sm://${local.app_token_arn}#app_token" : null
    LEAN_AUTH__CLIENT_ID     = local.oauth_enabled ? var.client_id : null
    LEAN_AUTH__CLIENT_SECRET = local.oauth_enabled ? "aws-sm://${local.oauth_client_arn}#client_secret" : null
    LEAN_AUTH__TOKEN_STORE   = local.oauth_enabled ? "aws-sm://${local.token_store_arn}" : null
    # Only the refresher's role may PutSecretValue on the store (function_environment).
    LEAN_AUTH__TOKEN_STORE_WRITE = local.oauth_enabled ? "false" : null
    LEAN_MTLS__CERTIFICATE       = local.mtls_enabled ? "aws-sm://${local.mtls_arn}#certificate" : null
    LEAN_MTLS__PRIVATE_KEY       = local.mtls_enabled ? "aws-sm://${local.mtls_arn}#private_key" : null
    LEAN_MTLS__CA_CHAIN          = local.mtls_enabled ? "aws-sm://${local.mtls_arn}#ca_chain" : null
    LEAN_WEBHOOKS__SECRET        = "aws-sm://${local.webhook_arn}#secret"
    LEAN_WEBHOOKS__DEDUPE_TABLE  = aws_dynamodb_table.webhook_dedupe.name
    LEAN_WEBHOOKS__QUEUE_URL     = aws_sqs_queue.webhook_events.url
    LEAN_ENDPOINTS__API          = var.api_endpoint
    LEAN_ENDPOINTS__AUTH         = var.auth_endpoint
    LEAN_SECRETS__AWS_REGION     = local.aws_region
    LEAN_SYNC__OUTPUT            = local.sync_output
    LEAN_SYNC__QUEUE_URL         = aws_sqs_queue.sync.url
    LEAN_SYNC__WORKERS           = tostring(var.sync_workers)
    LEAN_LOGGING__LEVEL          = var.log_level
    LEAN_LOGGING__FORMAT         = "json"
  } : k => v if v != null }

  # The refresher alone writes the tokens it mints to the store; everything else only reads
  # it, so a token minted while the store is empty or stale is not written (no AccessDenied).
  function_environment = {
    for key, _ in local.functions : key => merge(
      local.spec_environment,
      key == "refresh_token" ? { LEAN_AUTH__TOKEN_STORE_WRITE = "true" } : {},
    )
  }
}

# The functions, their log groups, schedules, queue trigger and alarms.

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.functions

  # Created here (not by Lambda on first run) so it is encrypted, has a retention, and
  # the role needs no logs:CreateLogGroup.
  name              = local.log_group_names[each.key]
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = local.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The functions call Lean and AWS APIs over the internet with TLS; no VPC resources are reached.
  #checkov:skip=CKV_AWS_116:API Gateway invocations are synchronous (no DLQ use); the sync worker's failed messages go to the sync queue's DLQ; scheduled runs are repeated by the next schedule and raise the Errors alarm.
  #checkov:skip=CKV_AWS_272:The zip is built by `make package` in CI; code signing needs a signing profile outside this module.
  for_each = local.functions

  function_name                  = local.function_names[each.key]
  description                    = each.value.description
  role                           = aws_iam_role.function[each.key].arn
  handler                        = each.value.handler
  runtime                        = var.lambda_runtime
  architectures                  = ["x86_64"]
  filename                       = var.package_path
  source_code_hash               = filebase64sha256(var.package_path)
  timeout                        = each.value.timeout
  memory_size                    = var.lambda_memory_mb
  reserved_concurrent_executions = local.reserved_concurrency[each.key]
  kms_key_arn                    = aws_kms_key.this.arn

  environment {
    variables = local.function_environment[each.key]
  }

  tracing_config {
    mode = var.tracing_mode
  }

  tags = local.tags

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.function]
}

locals {
  # The sync workers reserve what their queue trigger may use, so it is never throttled.
  reserved_concurrency = merge(var.reserved_concurrency, {
    sync = coalesce(var.reserved_concurrency.sync, var.sync_maximum_concurrency)
  })
}

# ---------------------------------------------------------------------- Schedules

locals {
  schedules = { for key, expr in {
    refresh_token = var.token_refresh_schedule
    sync_plan     = var.sync_schedule
  } : key => expr if expr != null && contains(keys(local.functions), key) }
}

resource "aws_cloudwatch_event_rule" "schedule" {
  for_each = local.schedules

  name                = "${local.function_names[each.key]}-schedule"
  description         = "Runs ${local.function_names[each.key]} on ${each.value}"
  schedule_expression = each.value
  tags                = local.tags
}

resource "aws_cloudwatch_event_target" "schedule" {
  for_each = local.schedules

  rule      = aws_cloudwatch_event_rule.schedule[each.key].name
  target_id = "lambda"
  arn       = aws_lambda_function.this[each.key].arn
}

resource "aws_lambda_permission" "schedule" {
  for_each = local.schedules

  statement_id  = "AllowEventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[each.key].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[each.key].arn
}

# ---------------------------------------------------------------- Sync queue trigger
# Lambda's event source mapping is the fleet: it polls the sync queue, hands each worker
# a batch of entities and deletes what succeeded; the worker names the entities that
# failed (partial batch response), so only those come back, up to sync_max_receive_count
# times, then go to the dead-letter queue.

resource "aws_lambda_event_source_mapping" "sync" {
  event_source_arn        = aws_sqs_queue.sync.arn
  function_name           = aws_lambda_function.this["sync"].arn
  batch_size              = var.sync_batch_size
  function_response_types = ["ReportBatchItemFailures"]
  enabled                 = true

  scaling_config {
    maximum_concurrency = var.sync_maximum_concurrency
  }

  depends_on = [aws_iam_role_policy.function]
}

# ------------------------------------------------------------------------- Alarms

resource "aws_cloudwatch_metric_alarm" "errors" {
  for_each = local.functions

  alarm_name          = "${local.function_names[each.key]}-errors"
  alarm_description   = "${local.function_names[each.key]} raised errors: see its log group ${local.log_group_names[each.key]}."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this[each.key].function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.error_alarm_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = local.tags
}

# The connector emits ClientCertificateDaysToExpiry (CloudWatch EMF) each time a
# function loads the client certificate; alarm well before Lean starts refusing it.
resource "aws_cloudwatch_metric_alarm" "certificate_expiry" {
  for_each = local.mtls_enabled ? local.lean_callers : toset([])

  alarm_name          = "${local.function_names[each.key]}-client-certificate-expiry"
  alarm_description   = "The Lean client certificate used by ${local.function_names[each.key]} expires in under ${var.certificate_expiry_alarm_days} days: issue a new one in the Lean portal and put it into the mTLS secret."
  namespace           = "LeanConnector"
  metric_name         = "ClientCertificateDaysToExpiry"
  dimensions          = { FunctionName = aws_lambda_function.this[each.key].function_name }
  statistic           = "Minimum"
  period              = 21600
  evaluation_periods  = 1
  threshold           = var.certificate_expiry_alarm_days
  comparison_operator = "LessThanThreshold"
  # The metric comes with cold starts (and each refresher run): most periods have no data.
  # "ignore" keeps the last state, so an expiring certificate stays in ALARM between them.
  treat_missing_data = "ignore"
  actions_enabled    = true
  alarm_actions      = var.alarm_actions
  ok_actions         = var.alarm_actions
  tags               = local.tags
}

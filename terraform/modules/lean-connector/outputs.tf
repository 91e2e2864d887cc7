output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the secrets, logs, queues, table, bucket and Lambda environments."
  value       = aws_kms_key.this.arn
}

output "secret_arns" {
  description = "ARNs of the Secrets Manager secrets by purpose (app_token, oauth_client, mtls, webhook, token_store); null where the auth mode needs none. Put their values with `lean-connector secrets put FIELD --from-file PATH` or `aws secretsmanager put-secret-value`."
  value = {
    app_token    = local.app_token_arn
    oauth_client = local.oauth_client_arn
    mtls         = local.mtls_arn
    webhook      = local.webhook_arn
    token_store  = local.token_store_arn
  }
}

output "spec_environment" {
  description = "The LEAN_* environment every function gets: the whole connector spec, with secret references only (no values). The refresher's differs in one variable: LEAN_AUTH__TOKEN_STORE_WRITE = \"true\" (oauth). Reuse it to run the CLI against this stage."
  value       = local.spec_environment
}

output "function_names" {
  description = "Lambda function names by handler (refresh_token, link_session, webhook, sync_plan, sync)."
  value       = { for key, fn in aws_lambda_function.this : key => fn.function_name }
}

output "function_arns" {
  description = "Lambda function ARNs by handler, e.g. for API Gateway integrations of link_session and webhook."
  value       = { for key, fn in aws_lambda_function.this : key => fn.arn }
}

output "function_invoke_arns" {
  description = "Lambda invoke ARNs by handler, for API Gateway proxy integrations."
  value       = { for key, fn in aws_lambda_function.this : key => fn.invoke_arn }
}

output "role_arns" {
  description = "Execution role ARNs by handler."
  value       = { for key, role in aws_iam_role.function : key => role.arn }
}

output "log_group_names" {
  description = "CloudWatch log group names by handler."
  value       = { for key, lg in aws_cloudwatch_log_group.function : key => lg.name }
}

output "sync_bucket_name" {
  description = "Name of the S3 bucket that receives the sync output."
  value       = aws_s3_bucket.sync_output.bucket
}

output "sync_output" {
  description = "s3:// URL the sync job writes to (LEAN_SYNC__OUTPUT)."
  value       = local.sync_output
}

output "webhook_queue_url" {
  description = "URL of the SQS queue that receives verified webhook events (LEAN_WEBHOOKS__QUEUE_URL)."
  value       = aws_sqs_queue.webhook_events.url
}

output "webhook_dlq_url" {
  description = "URL of the dead-letter queue for webhook events that failed processing."
  value       = aws_sqs_queue.webhook_dlq.url
}

output "sync_queue_url" {
  description = "URL of the SQS queue the planner fills with entities and the sync workers consume (LEAN_SYNC__QUEUE_URL); `lean-connector sync plan --queue-url` takes it."
  value       = aws_sqs_queue.sync.url
}

output "sync_dlq_url" {
  description = "URL of the dead-letter queue for entities that failed sync_max_receive_count times."
  value       = aws_sqs_queue.sync_dlq.url
}

output "sync_event_source_mapping_id" {
  description = "UUID of the sync queue's trigger of the sync workers (disable it to pause a run)."
  value       = aws_lambda_event_source_mapping.sync.uuid
}

output "api_url" {
  description = "Base URL of the HTTP API: POST <api_url>/webhooks (give it to Lean as the webhook URL) and POST <api_url>/link-session (with the app user's JWT)."
  value       = aws_apigatewayv2_stage.default.invoke_url
}

output "api_id" {
  description = "ID of the HTTP API."
  value       = aws_apigatewayv2_api.http.id
}

output "api_access_log_group_name" {
  description = "CloudWatch log group of the HTTP API's access logs (KMS-encrypted)."
  value       = aws_cloudwatch_log_group.api_access.name
}

output "webhook_dedupe_table_name" {
  description = "Name of the DynamoDB table used to dedupe webhook event_ids (LEAN_WEBHOOKS__DEDUPE_TABLE)."
  value       = aws_dynamodb_table.webhook_dedupe.name
}

output "alarm_names" {
  description = "CloudWatch alarm names: errors by handler, and certificate expiry by handler (empty without mTLS)."
  value = {
    errors             = { for key, a in aws_cloudwatch_metric_alarm.errors : key => a.alarm_name }
    certificate_expiry = { for key, a in aws_cloudwatch_metric_alarm.certificate_expiry : key => a.alarm_name }
  }
}

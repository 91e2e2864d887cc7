output "secret_arns" {
  description = "Secrets to fill out of band (lean-connector secrets put, or aws secretsmanager put-secret-value), by purpose."
  value       = module.lean_connector.secret_arns
}

output "spec_environment" {
  description = "The LEAN_* environment of the functions (references only, no secret values)."
  value       = module.lean_connector.spec_environment
}

output "function_names" {
  description = "Lambda function names by handler."
  value       = module.lean_connector.function_names
}

output "function_arns" {
  description = "Lambda function ARNs by handler."
  value       = module.lean_connector.function_arns
}

output "function_invoke_arns" {
  description = "Lambda invoke ARNs by handler, for API Gateway proxy integrations."
  value       = module.lean_connector.function_invoke_arns
}

output "role_arns" {
  description = "Execution role ARNs by handler."
  value       = module.lean_connector.role_arns
}

output "kms_key_arn" {
  description = "ARN of the stage's KMS key."
  value       = module.lean_connector.kms_key_arn
}

output "sync_output" {
  description = "s3:// URL the sync job writes to."
  value       = module.lean_connector.sync_output
}

output "webhook_queue_url" {
  description = "URL of the SQS queue receiving verified webhook events."
  value       = module.lean_connector.webhook_queue_url
}

output "webhook_dedupe_table_name" {
  description = "DynamoDB table deduping webhook event_ids."
  value       = module.lean_connector.webhook_dedupe_table_name
}

output "api_url" {
  description = "Base URL of the HTTP API: POST /webhooks (for Lean) and POST /link-session (JWT)."
  value       = module.lean_connector.api_url
}

output "sync_queue_url" {
  description = "SQS queue of the sync workers (lean-connector sync plan --queue-url)."
  value       = module.lean_connector.sync_queue_url
}

output "sync_dlq_url" {
  description = "Dead-letter queue of entities that kept failing."
  value       = module.lean_connector.sync_dlq_url
}

output "sync_event_source_mapping_id" {
  description = "UUID of the sync queue's trigger of the workers (disable it to pause a run)."
  value       = module.lean_connector.sync_event_source_mapping_id
}

output "webhook_dlq_url" {
  description = "Dead-letter queue of webhook events that failed processing."
  value       = module.lean_connector.webhook_dlq_url
}

output "api_id" {
  description = "ID of the HTTP API."
  value       = module.lean_connector.api_id
}

output "api_access_log_group_name" {
  description = "Log group of the HTTP API's access logs."
  value       = module.lean_connector.api_access_log_group_name
}

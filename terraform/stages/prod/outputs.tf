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

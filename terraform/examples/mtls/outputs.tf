output "api_url" {
  description = "Base URL of the HTTP API: give Lean <api_url>/webhooks; your app calls <api_url>/link-session."
  value       = module.lean_connector.api_url
}

output "secret_arns" {
  description = "Secrets to fill with `lean-connector secrets put`, by purpose."
  value       = module.lean_connector.secret_arns
}

output "sync_queue_url" {
  description = "SQS queue of the sync workers."
  value       = module.lean_connector.sync_queue_url
}

output "sync_output" {
  description = "s3:// URL the sync runs write to (lean-connector sync status --output)."
  value       = module.lean_connector.sync_output
}

output "spec_environment" {
  description = "The LEAN_* environment of the functions, to run the CLI against this stack."
  value       = module.lean_connector.spec_environment
}

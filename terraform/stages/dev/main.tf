# dev: the Lean sandbox. A thin root over the module; everything stage-specific is in
# dev.tfvars.

module "lean_connector" {
  source = "../../modules/lean-connector"

  name            = "lean-connector-${var.stage}"
  environment     = "sandbox"
  lean_region     = var.lean_region
  auth_mode       = var.auth_mode
  mtls_with_oauth = var.mtls_with_oauth
  client_id       = var.client_id
  api_endpoint    = var.api_endpoint
  package_path    = var.package_path

  log_level          = "DEBUG"
  log_retention_days = var.log_retention_days
  sync_schedule      = var.sync_schedule
  alarm_actions      = var.alarm_actions

  # The fleet-wide cap on Lean traffic: sync_maximum_concurrency workers x sync_workers threads.
  sync_maximum_concurrency = var.sync_maximum_concurrency
  sync_workers             = var.sync_workers

  # Who may ask for a link session: tokens of your identity provider, checked by API Gateway.
  jwt_issuer   = var.jwt_issuer
  jwt_audience = var.jwt_audience

  # A dev stack is torn down often: no recovery window, no deletion protection.
  secret_recovery_window_days = 0
  kms_deletion_window_days    = 7
  deletion_protection         = false
  sync_bucket_force_destroy   = true
}

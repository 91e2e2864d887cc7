# prod: Lean production, with mTLS or OAuth chosen by var.auth_mode. Values in prod.tfvars.

module "lean_connector" {
  source = "../../modules/lean-connector"

  name            = "lean-connector-${var.stage}"
  environment     = "production"
  lean_region     = var.lean_region
  auth_mode       = var.auth_mode
  mtls_with_oauth = var.mtls_with_oauth
  client_id       = var.client_id
  api_endpoint    = var.api_endpoint
  package_path    = var.package_path

  log_retention_days = var.log_retention_days
  sync_schedule      = var.sync_schedule
  alarm_actions      = var.alarm_actions

  # The fleet-wide cap on Lean traffic: sync_maximum_concurrency workers x sync_workers threads.
  sync_maximum_concurrency = var.sync_maximum_concurrency
  sync_workers             = var.sync_workers

  # Who may ask for a link session: tokens of your identity provider, checked by API Gateway.
  jwt_issuer   = var.jwt_issuer
  jwt_audience = var.jwt_audience

  secret_recovery_window_days = 30
  deletion_protection         = true
}

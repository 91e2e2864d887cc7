# A complete stack for the Lean sandbox with the app token alone (no certificate, no OAuth):
# the functions, their secrets (filled out of band), the sync fleet (planner schedule,
# queue, workers) and the HTTP API (POST /webhooks, POST /link-session behind a JWT).
#
#   make package                                   # builds dist/lambda.zip
#   terraform init && terraform apply -var-file=example.tfvars
#   lean-connector secrets put ...                 # see the module README

module "lean_connector" {
  source = "../../modules/lean-connector"

  name         = var.name
  environment  = "sandbox"
  lean_region  = var.lean_region
  auth_mode    = "app_token"
  package_path = var.package_path
  # A sandbox stack is torn down often: no recovery window, no deletion protection.
  secret_recovery_window_days = 0
  kms_deletion_window_days    = 7
  deletion_protection         = false
  sync_bucket_force_destroy   = true

  jwt_issuer   = var.jwt_issuer
  jwt_audience = var.jwt_audience

  sync_schedule            = "cron(0 2 * * ? *)" # the planner, daily at 02:00 UTC
  sync_maximum_concurrency = 4                   # x sync_workers = the cap on Lean calls in flight
  sync_workers             = 4
}

# A complete stack for Lean production with mTLS (client certificate + app token):
# the functions, their secrets (filled out of band), the sync fleet (planner schedule,
# queue, workers) and the HTTP API (POST /webhooks, POST /link-session behind a JWT).
#
#   make package                                   # builds dist/lambda.zip
#   terraform init && terraform apply -var-file=example.tfvars
#   lean-connector secrets put ...                 # see the module README

module "lean_connector" {
  source = "../../modules/lean-connector"

  name         = var.name
  environment  = "production"
  lean_region  = var.lean_region
  auth_mode    = "mtls"
  package_path = var.package_path
  # The production API host is in the module's table; no override is needed for mTLS.

  jwt_issuer   = var.jwt_issuer
  jwt_audience = var.jwt_audience

  sync_schedule            = "cron(0 2 * * ? *)" # the planner, daily at 02:00 UTC
  sync_maximum_concurrency = 4                   # x sync_workers = the cap on Lean calls in flight
  sync_workers             = 4
}

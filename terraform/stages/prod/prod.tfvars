# terraform apply -var-file=prod.tfvars   (after `make package`)
aws_region         = "me-central-1"
lean_region        = "ae"
auth_mode          = "mtls" # or "oauth" (set client_id)
log_retention_days = 365
sync_schedule      = "cron(0 2 * * ? *)"
alarm_actions      = [] # e.g. ["arn:aws:sns:me-central-1:123456789012:lean-connector-alerts"]

# terraform apply -var-file=staging.tfvars   (after `make package`)
aws_region         = "me-central-1"
lean_region        = "ae"
auth_mode          = "oauth"
client_id          = "00000000-0000-0000-0000-000000000000" # your sandbox application id
log_retention_days = 90
sync_schedule      = "rate(1 day)"

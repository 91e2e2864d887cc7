# terraform apply -var-file=example.tfvars   (after `make package`)
aws_region   = "me-central-1"
lean_region  = "ae"
jwt_issuer   = "https://cognito-idp.me-central-1.amazonaws.com/me-central-1_EXAMPLE"
jwt_audience = ["example-app-client-id"]
client_id    = "00000000-0000-0000-0000-000000000000" # your Lean application id

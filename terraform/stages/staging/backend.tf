# State is local until you enable the remote backend. To keep state in S3 (one key per
# stage, locked with S3's native lock file, encrypted):
#   1. create the bucket once (versioned, encrypted, public access blocked);
#   2. uncomment the block below and fill in the bucket and region;
#   3. run `terraform init -migrate-state` in this folder.
#
# terraform {
#   backend "s3" {
#     bucket       = "my-terraform-state-bucket"
#     key          = "lean-connector/staging/terraform.tfstate"
#     region       = "me-central-1"
#     encrypt      = true
#     use_lockfile = true
#   }
# }

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region = var.aws_region

  # local_testing points the provider at a local AWS emulator (moto_server in the test
  # suite): no credential check, no instance metadata, path-style S3.
  skip_credentials_validation = var.local_testing
  skip_metadata_api_check     = var.local_testing
  skip_requesting_account_id  = var.local_testing
  s3_use_path_style           = var.local_testing

  # null (the default) keeps each service's real AWS endpoint.
  endpoints {
    apigatewayv2   = var.aws_endpoint_url
    cloudwatch     = var.aws_endpoint_url
    cloudwatchlogs = var.aws_endpoint_url
    dynamodb       = var.aws_endpoint_url
    events         = var.aws_endpoint_url
    iam            = var.aws_endpoint_url
    kms            = var.aws_endpoint_url
    lambda         = var.aws_endpoint_url
    s3             = var.aws_endpoint_url
    secretsmanager = var.aws_endpoint_url
    sqs            = var.aws_endpoint_url
    sts            = var.aws_endpoint_url
  }

  default_tags {
    tags = {
      project = "lean-connector"
      stage   = var.stage
    }
  }
}

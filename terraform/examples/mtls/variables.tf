variable "name" {
  description = "Name prefix of every resource."
  type        = string
  default     = "lean-connector-mtls"
}

variable "aws_region" {
  description = "AWS region to deploy to (me-central-1 is the UAE region)."
  type        = string
  default     = "me-central-1"
}

variable "lean_region" {
  description = "Lean region: \"ae\" (UAE) or \"sa\" (KSA)."
  type        = string
  default     = "ae"
}

variable "package_path" {
  description = "Path of the Lambda zip built by `make package`."
  type        = string
  default     = "../../../dist/lambda.zip"
}

variable "jwt_issuer" {
  description = "Issuer (iss) of your identity provider's JWTs, required by POST /link-session."
  type        = string
}

variable "jwt_audience" {
  description = "Accepted audiences (aud / Cognito app client ids) of those JWTs."
  type        = list(string)
}

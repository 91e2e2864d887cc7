variable "stage" {
  description = "Stage name, part of every resource name."
  type        = string
  default     = "dev"
}

variable "aws_region" {
  description = "AWS region to deploy to (me-central-1 is the UAE region)."
  type        = string
  default     = "me-central-1"
}

variable "aws_endpoint_url" {
  description = "Single endpoint for every AWS service, for a local emulator such as moto_server. null = real AWS."
  type        = string
  default     = null
}

variable "local_testing" {
  description = "True when aws_endpoint_url points at a local emulator: skips credential, metadata and account-id checks and uses path-style S3."
  type        = bool
  default     = false
}

variable "lean_region" {
  description = "Lean region: \"ae\" (UAE) or \"sa\" (KSA)."
  type        = string
  default     = "ae"
}

variable "auth_mode" {
  description = "Lean auth mode in the sandbox: \"oauth\", \"app_token\" or \"mtls\" (mtls needs api_endpoint)."
  type        = string
  default     = "oauth"
}

variable "mtls_with_oauth" {
  description = "With auth_mode = \"oauth\", also present a client certificate (creates the mTLS secret and expiry alarms)."
  type        = bool
  default     = false
}

variable "client_id" {
  description = "Lean application id (OAuth client_id). Not a secret."
  type        = string
  default     = null
}

variable "api_endpoint" {
  description = "Override of Lean's API base URL; required with auth_mode = \"mtls\" in the sandbox (host from the Lean portal)."
  type        = string
  default     = null
}

variable "package_path" {
  description = "Path of the Lambda zip built by `make package`."
  type        = string
  default     = "../../../dist/lambda.zip"
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups in days."
  type        = number
  default     = 365
}

variable "sync_schedule" {
  description = "EventBridge schedule of the sync job, or null for none."
  type        = string
  default     = "rate(1 day)"
}

variable "alarm_actions" {
  description = "ARNs (e.g. SNS topics) notified by the alarms."
  type        = list(string)
  default     = []
}

variable "jwt_issuer" {
  description = "Issuer (iss) of your identity provider's JWTs, required by POST /link-session (e.g. a Cognito user pool URL)."
  type        = string
}

variable "jwt_audience" {
  description = "Accepted audiences (aud / Cognito app client ids) of those JWTs."
  type        = list(string)
}

variable "sync_maximum_concurrency" {
  description = "Most sync workers at once (the sync queue trigger's maximum_concurrency)."
  type        = number
  default     = 2
}

variable "sync_workers" {
  description = "Threads per sync worker (entities of a batch synced at once)."
  type        = number
  default     = 4
}

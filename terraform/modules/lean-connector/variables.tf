variable "name" {
  description = "Name prefix of every resource, e.g. \"lean-connector-dev\". Lowercase letters, digits and hyphens (it is part of the S3 bucket name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,38}[a-z0-9]$", var.name))
    error_message = "name must be 4-40 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "environment" {
  description = "Lean environment the functions call: \"sandbox\" or \"production\" (LEAN_ENVIRONMENT)."
  type        = string

  validation {
    condition     = contains(["sandbox", "production"], var.environment)
    error_message = "environment must be \"sandbox\" or \"production\"."
  }
}

variable "lean_region" {
  description = "Lean region: \"ae\" (UAE) or \"sa\" (KSA) (LEAN_REGION). Not the AWS region, which comes from the provider."
  type        = string
  default     = "ae"

  validation {
    condition     = contains(["ae", "sa"], var.lean_region)
    error_message = "lean_region must be \"ae\" (UAE) or \"sa\" (KSA)."
  }
}

variable "auth_mode" {
  description = "How the functions authenticate to Lean: \"mtls\" (client certificate + app token), \"oauth\" (client credentials bearer token) or \"app_token\" (sandbox only) (LEAN_AUTH__MODE)."
  type        = string

  validation {
    condition     = contains(["mtls", "oauth", "app_token"], var.auth_mode)
    error_message = "auth_mode must be one of \"mtls\", \"oauth\" or \"app_token\"."
  }

  validation {
    condition     = !(var.auth_mode == "app_token" && var.environment == "production")
    error_message = "auth_mode \"app_token\" is for the Lean sandbox only: use \"mtls\" or \"oauth\" with environment = \"production\"."
  }
}

variable "mtls_with_oauth" {
  description = "Also present the client certificate when auth_mode is \"oauth\" (creates the mTLS bundle secret and the certificate alarms). Ignored for other modes."
  type        = bool
  default     = false
}

variable "client_id" {
  description = "Lean application id used as the OAuth client_id (LEAN_AUTH__CLIENT_ID). Not a secret. Required when auth_mode is \"oauth\"."
  type        = string
  default     = null

  validation {
    condition     = var.auth_mode != "oauth" || try(length(var.client_id) > 0, false)
    error_message = "client_id (the Lean application id) is required when auth_mode is \"oauth\"."
  }
}

variable "api_endpoint" {
  description = "Override of Lean's API base URL (LEAN_ENDPOINTS__API). Required for the sandbox with mTLS, whose host is given in the Lean portal."
  type        = string
  default     = null

  validation {
    condition     = var.api_endpoint == null || can(regex("^https://[^\\s/]+", var.api_endpoint))
    error_message = "api_endpoint must be an https:// URL."
  }

  validation {
    condition     = !(var.environment == "sandbox" && var.auth_mode == "mtls" && var.api_endpoint == null)
    error_message = "api_endpoint is required for the sandbox with auth_mode \"mtls\": copy the mTLS sandbox host from the Lean portal."
  }
}

variable "auth_endpoint" {
  description = "Override of Lean's OAuth base URL (LEAN_ENDPOINTS__AUTH); the token endpoint is <auth_endpoint>/oauth2/token."
  type        = string
  default     = null

  validation {
    condition     = var.auth_endpoint == null || can(regex("^https://[^\\s/]+", var.auth_endpoint))
    error_message = "auth_endpoint must be an https:// URL."
  }
}

variable "package_path" {
  description = "Path of the Lambda zip built by `make package` (dist/lambda.zip)."
  type        = string

  validation {
    condition     = endswith(var.package_path, ".zip")
    error_message = "package_path must name the .zip built by `make package` (dist/lambda.zip)."
  }
}

variable "lambda_runtime" {
  description = "Python runtime of the functions; must match the --python-version the package was built for."
  type        = string
  default     = "python3.11"

  validation {
    condition     = contains(["python3.11", "python3.12"], var.lambda_runtime)
    error_message = "lambda_runtime must be \"python3.11\" or \"python3.12\"."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of each function in MB (CPU scales with it)."
  type        = number
  default     = 512

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be between 128 and 10240."
  }
}

variable "lambda_timeout_s" {
  description = "Timeout of the refresher, link-session and webhook functions in seconds. Above 50 s, because a slow Lean data call answers after 50 s."
  type        = number
  default     = 120

  validation {
    condition     = var.lambda_timeout_s > 50 && var.lambda_timeout_s <= 900
    error_message = "lambda_timeout_s must be above 50 (Lean's slow-call limit) and at most 900."
  }
}

variable "sync_timeout_s" {
  description = "Timeout of the sync function in seconds (a run resumes from its checkpoint if cut short)."
  type        = number
  default     = 900

  validation {
    condition     = var.sync_timeout_s > 50 && var.sync_timeout_s <= 900
    error_message = "sync_timeout_s must be above 50 and at most 900."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions per function (-1 = unreserved). The refresher and the planner need 1: more would only race each other. The sync workers default to sync_maximum_concurrency, which their queue trigger never exceeds."
  type = object({
    refresh_token = optional(number, 1)
    link_session  = optional(number, 10)
    webhook       = optional(number, 10)
    sync_plan     = optional(number, 1)
    sync          = optional(number)
  })
  default = {}

  validation {
    condition     = alltrue([for v in values(var.reserved_concurrency) : v == null ? true : (v == -1 || v >= 0)])
    error_message = "reserved_concurrency values must be -1 (unreserved) or >= 0."
  }

  validation {
    condition     = var.reserved_concurrency.sync == null || var.reserved_concurrency.sync == -1 || coalesce(var.reserved_concurrency.sync, 0) >= var.sync_maximum_concurrency
    error_message = "reserved_concurrency.sync must be -1 or at least sync_maximum_concurrency, or the queue trigger is throttled."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing mode of the functions: \"Active\" or \"PassThrough\"."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be \"Active\" or \"PassThrough\"."
  }
}

variable "log_level" {
  description = "Log level of the connector in the functions (LEAN_LOGGING__LEVEL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be one of DEBUG, INFO, WARNING, ERROR."
  }
}

variable "token_refresh_schedule" {
  description = "EventBridge schedule of the token refresher (auth_mode \"oauth\" only; other modes have no refresher). Lean tokens live ~1 h and are refreshed 5 min before expiry, so every 30 min keeps the shared token fresh."
  type        = string
  default     = "rate(30 minutes)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.token_refresh_schedule))
    error_message = "token_refresh_schedule must be an EventBridge rate(...) or cron(...) expression."
  }
}

variable "sync_schedule" {
  description = "EventBridge schedule of the sync planner (which enqueues every entity for the sync workers), or null for no schedule (invoke the planner yourself)."
  type        = string
  default     = "rate(1 day)"

  validation {
    condition     = var.sync_schedule == null || can(regex("^(rate|cron)\\(.+\\)$", var.sync_schedule))
    error_message = "sync_schedule must be null or an EventBridge rate(...) or cron(...) expression."
  }
}

variable "sync_output_prefix" {
  description = "Key prefix under the sync bucket where the sync job writes (LEAN_SYNC__OUTPUT = s3://<bucket>/<prefix>)."
  type        = string
  default     = "lean-sync"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_./-]*[A-Za-z0-9_-]$", var.sync_output_prefix)) && !strcontains(var.sync_output_prefix, "//")
    error_message = "sync_output_prefix must be a key prefix without leading/trailing slashes, e.g. \"lean-sync\"."
  }
}

variable "sync_bucket_force_destroy" {
  description = "Let `terraform destroy` delete the sync bucket with its objects. Keep false where the data matters."
  type        = bool
  default     = false
}

variable "sync_noncurrent_version_expiry_days" {
  description = "Days after which overwritten (noncurrent) versions in the sync bucket are deleted."
  type        = number
  default     = 90

  validation {
    condition     = var.sync_noncurrent_version_expiry_days >= 1
    error_message = "sync_noncurrent_version_expiry_days must be at least 1."
  }
}

variable "webhook_max_receive_count" {
  description = "Receives of a webhook event before SQS moves it to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.webhook_max_receive_count >= 1 && var.webhook_max_receive_count <= 1000
    error_message = "webhook_max_receive_count must be between 1 and 1000."
  }
}

variable "sync_batch_size" {
  description = "Entities (queue messages) per sync worker invocation. Each entity costs ~5 Lean calls; keep batch_size x entity time well under sync_timeout_s."
  type        = number
  default     = 10

  validation {
    condition     = var.sync_batch_size >= 1 && var.sync_batch_size <= 10 && floor(var.sync_batch_size) == var.sync_batch_size
    error_message = "sync_batch_size must be a whole number from 1 to 10 (SQS hands at most 10 messages to an invocation without a batching window)."
  }
}

variable "sync_maximum_concurrency" {
  description = "Most sync workers running at once (the queue trigger's scaling_config.maximum_concurrency). With sync_workers threads each, at most sync_maximum_concurrency x sync_workers Lean calls are in flight: the fleet-wide cap on Lean traffic."
  type        = number
  default     = 4

  validation {
    condition     = var.sync_maximum_concurrency >= 2 && var.sync_maximum_concurrency <= 1000 && floor(var.sync_maximum_concurrency) == var.sync_maximum_concurrency
    error_message = "sync_maximum_concurrency must be a whole number from 2 to 1000 (the range AWS accepts)."
  }
}

variable "sync_workers" {
  description = "Threads per sync worker invocation (LEAN_SYNC__WORKERS): entities of one batch synced at once."
  type        = number
  default     = 4

  validation {
    condition     = var.sync_workers >= 1 && var.sync_workers <= 64 && floor(var.sync_workers) == var.sync_workers
    error_message = "sync_workers must be a whole number from 1 to 64."
  }
}

variable "sync_max_receive_count" {
  description = "Deliveries of one entity before SQS moves it to the sync dead-letter queue (`lean-connector sync status` lists it as failed meanwhile)."
  type        = number
  default     = 5

  validation {
    condition     = var.sync_max_receive_count >= 1 && var.sync_max_receive_count <= 1000
    error_message = "sync_max_receive_count must be between 1 and 1000."
  }
}

variable "jwt_issuer" {
  description = "Issuer (iss) of the JWTs your identity provider gives app users; API Gateway checks it before POST /link-session reaches the function (e.g. https://cognito-idp.me-central-1.amazonaws.com/<pool id>)."
  type        = string

  validation {
    condition     = can(regex("^https://[^\\s/]+", var.jwt_issuer))
    error_message = "jwt_issuer must be an https:// URL (the iss claim of your identity provider's tokens)."
  }
}

variable "jwt_audience" {
  description = "Accepted audiences (aud, or client_id for Cognito access tokens) of those JWTs."
  type        = list(string)

  validation {
    condition     = length(var.jwt_audience) > 0 && alltrue([for a in var.jwt_audience : length(trimspace(a)) > 0])
    error_message = "jwt_audience must list at least one non-empty audience."
  }
}

variable "api_throttling_burst_limit" {
  description = "Burst limit (requests) of the HTTP API's stage, shared by its routes."
  type        = number
  default     = 50

  validation {
    condition     = var.api_throttling_burst_limit >= 1 && var.api_throttling_burst_limit <= 5000
    error_message = "api_throttling_burst_limit must be between 1 and 5000."
  }
}

variable "api_throttling_rate_limit" {
  description = "Steady-state requests per second of the HTTP API's stage."
  type        = number
  default     = 20

  validation {
    condition     = var.api_throttling_rate_limit >= 1 && var.api_throttling_rate_limit <= 10000
    error_message = "api_throttling_rate_limit must be between 1 and 10000."
  }
}

variable "log_retention_days" {
  description = "Retention of the functions' CloudWatch log groups, in days (one of the values CloudWatch accepts)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can be restored (0 = delete at once, handy for short-lived dev stacks; 7-30 otherwise)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the KMS key is deleted after `terraform destroy`, in days."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "deletion_protection" {
  description = "Deletion protection of the webhook dedupe table."
  type        = bool
  default     = true
}

variable "certificate_expiry_alarm_days" {
  description = "Alarm when the client certificate has fewer days left than this (metric LeanConnector/ClientCertificateDaysToExpiry, mTLS only)."
  type        = number
  default     = 30

  validation {
    condition     = var.certificate_expiry_alarm_days >= 1
    error_message = "certificate_expiry_alarm_days must be at least 1."
  }
}

variable "error_alarm_threshold" {
  description = "Function errors in 5 minutes that raise the Errors alarm."
  type        = number
  default     = 1

  validation {
    condition     = var.error_alarm_threshold >= 1
    error_message = "error_alarm_threshold must be at least 1."
  }
}

variable "alarm_actions" {
  description = "ARNs (e.g. SNS topics) notified when an alarm fires or recovers."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}

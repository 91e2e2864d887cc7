# The HTTP entry points: one API Gateway HTTP API in front of the webhook and link-session
# functions. POST /webhooks is open to Lean (the function checks the signature and the
# event's freshness); POST /link-session needs a JWT from your identity provider, checked
# by API Gateway, and the function takes the app user from its claims.

resource "aws_apigatewayv2_api" "http" {
  name          = "${var.name}-http-api"
  description   = "Lean connector: Lean webhooks and LinkSDK link sessions"
  protocol_type = "HTTP"
  tags          = local.tags
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.http.id
  name             = "app-users"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = var.jwt_issuer
    audience = var.jwt_audience
  }
}

locals {
  api_routes = {
    webhook = {
      route_key = "POST /webhooks"
      jwt       = false
    }
    link_session = {
      route_key = "POST /link-session"
      jwt       = true
    }
  }
}

resource "aws_apigatewayv2_integration" "function" {
  for_each = local.api_routes

  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_function.this[each.key].invoke_arn
  payload_format_version = "2.0"
  # Lean counts a webhook as delivered only on a 200 within 10 s.
  timeout_milliseconds = each.key == "webhook" ? 10000 : 29000
}

resource "aws_apigatewayv2_route" "function" {
  #checkov:skip=CKV_AWS_309:POST /webhooks is called by Lean, which sends no token; the function verifies Lean's HMAC signature and the event's freshness, and answers 401 otherwise.
  for_each = local.api_routes

  api_id             = aws_apigatewayv2_api.http.id
  route_key          = each.value.route_key
  target             = "integrations/${aws_apigatewayv2_integration.function[each.key].id}"
  authorization_type = each.value.jwt ? "JWT" : "NONE"
  authorizer_id      = each.value.jwt ? aws_apigatewayv2_authorizer.jwt.id : null
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = local.api_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = local.tags
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true
  tags        = local.tags

  default_route_settings {
    throttling_burst_limit = var.api_throttling_burst_limit
    throttling_rate_limit  = var.api_throttling_rate_limit
  }

  # No body, header or query value is logged: only what identifies and times a call.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      authorizerError    = "$context.authorizer.error"
      sourceIp           = "$context.identity.sourceIp"
    })
  }
}

resource "aws_lambda_permission" "api" {
  for_each = local.api_routes

  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[each.key].function_name
  principal     = "apigateway.amazonaws.com"
  # Only this API's own route may invoke the function: "<api>/<stage>/<method><path>".
  source_arn = "${aws_apigatewayv2_api.http.execution_arn}/*/${replace(each.value.route_key, " ", "")}"
}

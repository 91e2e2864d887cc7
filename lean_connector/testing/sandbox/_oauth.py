"""The sandbox's OAuth token endpoint: client_credentials, scopes ``api`` and ``customer.<id>``.

Errors follow RFC 6749 (``{"error": "invalid_client", ...}``) except when the endpoint is
switched "down", where the gateway answers with Lean's own error body.
"""

from __future__ import annotations

import hmac
import time
from urllib.parse import parse_qs

from lean_connector.testing.jwt import TokenSigner
from lean_connector.testing.sandbox._counters import Counters
from lean_connector.testing.sandbox._datastore import DataStore
from lean_connector.testing.sandbox._faults import Faults
from lean_connector.testing.sandbox._http import ApiRequest, Reply, lean_error

__all__ = ["TokenEndpoint"]


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return Reply(status, {"error": error, "error_description": description})


class TokenEndpoint:
    """``POST {auth_url}/oauth2/token``; call the instance with an :class:`ApiRequest`."""

    def __init__(
        self,
        *,
        store: DataStore,
        faults: Faults,
        counters: Counters,
        signer: TokenSigner,
        client_id: str,
        client_secret: str,
        token_lifetime_s: float,
    ) -> None:
        self.store, self.faults, self.counters, self.signer = store, faults, counters, signer
        self._client_id, self._client_secret = client_id, client_secret
        self._token_lifetime_s = token_lifetime_s

    def __call__(self, request: ApiRequest) -> Reply:
        """Issue a token, or explain in the OAuth error body why not."""
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        scope = (form.get("scope") or [""])[0]
        self.counters.record_token_request(scope)
        delay = self.faults.token_latency_s
        if delay:
            time.sleep(delay)
        if request.method != "POST":
            return _oauth_error(405, "invalid_request", "The token endpoint takes POST only")
        if self.faults.token_endpoint_down:
            return lean_error(503, "SERVICE_UNAVAILABLE", "The token service is unavailable")
        content_type = request.headers.get("content-type", "")
        if not content_type.lower().startswith("application/x-www-form-urlencoded"):
            return _oauth_error(
                400,
                "invalid_request",
                "Send the token request as application/x-www-form-urlencoded",
            )
        fields = ("client_id", "client_secret", "grant_type", "scope")
        missing = [name for name in fields if not (form.get(name) or [""])[0]]
        if missing:
            return _oauth_error(
                400, "invalid_request", f"Missing form fields: {', '.join(missing)}"
            )
        # Both compared every time, so timing does not tell which one was wrong.
        client_ok = hmac.compare_digest(form["client_id"][0].encode(), self._client_id.encode())
        secret_ok = hmac.compare_digest(
            form["client_secret"][0].encode(), self._client_secret.encode()
        )
        if not (client_ok and secret_ok):
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        if form["grant_type"][0] != "client_credentials":
            return _oauth_error(
                400, "unsupported_grant_type", "Only grant_type=client_credentials is supported"
            )
        customer_id = scope.removeprefix("customer.") if scope.startswith("customer.") else ""
        if scope != "api" and not self._customer_exists(customer_id):
            return _oauth_error(
                400, "invalid_scope", "Scope must be 'api' or 'customer.<existing customer_id>'"
            )
        override = self.faults.token_lifetime_s
        lifetime = self._token_lifetime_s if override is None else override
        token = self.signer.issue(subject=self._client_id, scope=scope, lifetime_s=lifetime)
        body = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(lifetime),
            "scope": scope,
        }
        return Reply(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _customer_exists(self, customer_id: str) -> bool:
        return bool(customer_id) and self.store.customer_exists(customer_id)

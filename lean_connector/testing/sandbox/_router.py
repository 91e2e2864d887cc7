"""What the sandbox answers: auth rules, faults and routing (no sockets here, no endpoints).

The HTTP layer (``_server``) turns each request into an :class:`ApiRequest` and writes back
the :class:`Reply`. Order of checks for an API call, as a gateway in front of Lean would
apply them: count the call, latency and delays, armed faults (reset, 429, 5xx, 3xx,
oversized), header rules and credentials, the ``unauthorized`` fault, then the route
itself. The endpoints come from the ``_routes_*`` modules, one per family.
"""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from lean_connector.testing.jwt import InvalidTokenError, TokenSigner
from lean_connector.testing.sandbox._counters import Counters
from lean_connector.testing.sandbox._faults import Faults
from lean_connector.testing.sandbox._http import (
    ApiRequest,
    Reply,
    SandboxError,
    lean_error,
    parse_query,
)

__all__ = ["Call", "Route", "SandboxApi"]

_SERVER_ERROR_CODES = {500: "INTERNAL_SERVER_ERROR", 502: "BAD_GATEWAY", 504: "GATEWAY_TIMEOUT"}
REGIONS = ("ae", "sa")


@dataclass(frozen=True)
class Call:
    """What an endpoint gets: the request, its query (first values) and its path ids."""

    request: ApiRequest
    query: dict[str, str]
    ids: dict[str, str]


@dataclass(frozen=True)
class Route:
    """One endpoint: Lean's method and path (``{name}`` for ids) and where Lean serves it."""

    method: str
    template: str
    handler: Callable[[Call], Reply]
    regions: tuple[str, ...] = REGIONS

    def pattern(self) -> re.Pattern[str]:
        names = re.findall(r"\{(\w+)\}", self.template)
        text = re.escape(self.template)
        for name in names:
            text = text.replace(re.escape("{" + name + "}"), f"(?P<{name}>[^/]+)")
        return re.compile("^" + text + "$")


class SandboxApi:
    """The behaviour of both listeners, shared by every connection thread."""

    def __init__(
        self,
        *,
        routes: Sequence[Route],
        faults: Faults,
        counters: Counters,
        signer: TokenSigner,
        app_token: str,
        token_endpoint: Callable[[ApiRequest], Reply],
        region: str | None = None,
    ) -> None:
        self.faults, self.counters, self.signer = faults, counters, signer
        self.region = region
        self._app_token = app_token
        self._token_endpoint = token_endpoint
        # Literal paths before templated ones: "/customers/v1/entities" is not a customer id.
        ordered = sorted(routes, key=lambda route: route.template.count("{"))
        self._routes = [(route, route.pattern()) for route in ordered]

    @property
    def routes(self) -> list[Route]:
        return [route for route, _ in self._routes]

    # -- entry point -----------------------------------------------------------------------

    def handle(self, request: ApiRequest) -> Reply:
        """Answer one request on either listener."""
        if request.listener == "api" and request.path == "/oauth2/token":
            return self._token_endpoint(request)
        path_known, route, ids = self._match(request)
        self.counters.record_call(
            request.method,
            route.template if route else "<unmatched>",
            request.headers.get("idempotency-key"),
        )
        delay = self.faults.take_delay_s(request.method)
        if delay:
            time.sleep(delay)
        fault = self.faults.take_api_fault(request.method)
        if fault is not None:
            if fault.kind == "reset":
                if fault.after_acting:
                    self._answer(request, path_known, route, ids)
                return Reply(0, reset=True)
            if fault.kind == "redirect":
                return Reply(fault.status, headers={"Location": fault.location or "/"})
            if fault.kind == "oversized":
                return Reply(
                    200, stream_bytes=fault.size_bytes, declare_length=fault.declare_length
                )
            if fault.kind == "rate_limit":
                reply = lean_error(429, "RATE_LIMIT_EXCEEDED", "Too many requests, slow down")
                if fault.retry_after_s is not None:
                    reply.headers["Retry-After"] = str(fault.retry_after_s)
                return reply
            code = _SERVER_ERROR_CODES.get(fault.status, "SERVICE_UNAVAILABLE")
            reply = lean_error(fault.status, code, "The service is temporarily unavailable")
            if fault.retry_after_s is not None:
                reply.headers["Retry-After"] = str(fault.retry_after_s)
            return reply
        return self._answer(request, path_known, route, ids)

    def _answer(
        self, request: ApiRequest, path_known: bool, route: Route | None, ids: dict[str, str]
    ) -> Reply:
        denied = self._authenticate(request)
        if denied is not None:
            return denied
        if self.faults.take_unauthorized():
            return lean_error(401, "UNAUTHORIZED", "The credential has been revoked")
        if route is None:
            if path_known:
                return lean_error(
                    405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed here"
                )
            return lean_error(404, "NOT_FOUND", f"No endpoint {request.method} {request.path}")
        try:
            return route.handler(Call(request, parse_query(request.query), ids))
        except SandboxError as exc:
            return exc.reply()

    def _match(self, request: ApiRequest) -> tuple[bool, Route | None, dict[str, str]]:
        path_known = False
        for route, pattern in self._routes:
            if self.region is not None and self.region not in route.regions:
                continue  # served by Lean's other region only: unknown here
            found = pattern.match(request.path)
            if found:
                path_known = True
                if route.method == request.method:
                    return True, route, {k: unquote(v) for k, v in found.groupdict().items()}
        return path_known, None, {}

    # -- credentials -----------------------------------------------------------------------

    def _authenticate(self, request: ApiRequest) -> Reply | None:
        app_token = request.headers.get("lean-app-token")
        authorization = request.headers.get("authorization")
        if app_token is not None and authorization is not None:
            return lean_error(
                400,
                "INVALID_PARAMETERS",
                "Do not supply a 'lean-app-token' header when providing an 'Authorization' header",
            )
        if request.listener == "mtls":
            if app_token is None:
                return lean_error(
                    401, "UNAUTHORIZED", "The lean-app-token header is required with mTLS"
                )
            if not hmac.compare_digest(app_token.encode(), self._app_token.encode()):
                return lean_error(
                    401,
                    "CERTIFICATE_TOKEN_MISMATCH",
                    "The lean-app-token does not belong to the client certificate",
                )
            return None
        if app_token is not None:
            if hmac.compare_digest(app_token.encode(), self._app_token.encode()):
                return None
            return lean_error(401, "UNAUTHORIZED", "The lean-app-token is not valid")
        if authorization is None:
            return lean_error(
                401,
                "UNAUTHORIZED",
                "Authentication required: send lean-app-token or a bearer token",
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return lean_error(
                401, "UNAUTHORIZED", "The Authorization header must be 'Bearer <JWT>'"
            )
        try:
            claims = self.signer.verify(token.strip())
        except InvalidTokenError as exc:
            return lean_error(401, "UNAUTHORIZED", f"The access token was rejected: {exc}")
        if claims.get("scope") != "api":
            return lean_error(
                403,
                "INSUFFICIENT_ACCESS_LEVEL",
                f"A token with scope {claims.get('scope')!r} cannot call the API; use scope=api",
            )
        return None

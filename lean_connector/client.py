"""LeanConnector: one spec in, authenticated and retried calls to Lean out.

The connector composes one transport, one credential and one secret resolver, and is
meant to live as long as the process (a Lambda container, a batch job): build it once,
share it between threads. Each part is built from the spec unless it is given, so a test
can hand in ``lean_connector.testing.MockTransport`` and run without a server.
"""

from __future__ import annotations

import json as jsonlib
import os
import ssl
import threading
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any

from lean_connector.api import (
    DEFAULT_LINK_PERMISSIONS,
    Banks,
    Consents,
    Customers,
    Data,
    Destinations,
    Entities,
    Insights,
    LinkConnectConfig,
    LinkSessions,
    Payments,
    PaymentSources,
    Payouts,
    Refunds,
    RegionCode,
    Verifications,
)
from lean_connector.errors import (
    AuthError,
    ConnectorError,
    InvalidRequestError,
    LeanAPIError,
    LeanForbiddenError,
    LeanUnauthorizedError,
    SpecError,
    TLSVerificationError,
    TransportError,
)
from lean_connector.logs import get_logger
from lean_connector.spec import (
    AuthMode,
    Endpoints,
    Environment,
    LeanSpec,
    Region,
    load_spec,
    resolve_endpoints,
)

if TYPE_CHECKING:
    from lean_connector.auth import Credential, OAuthCredential
    from lean_connector.secrets import SecretResolver
    from lean_connector.transport import CertificateReport, HttpResponse, HttpTransport

__all__ = ["LeanConnector"]

log = get_logger(__name__)

# One decoder for every answer: json.loads(..., parse_float=) would build one per call.
_EXACT_JSON = jsonlib.JSONDecoder(parse_float=Decimal)
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Lean codes that mean "the certificate or credential we hold may be stale" (rotation).
_CREDENTIAL_CODES = frozenset({"CERTIFICATE_TOKEN_MISMATCH", "INVALID_CERTIFICATE"})


class LeanConnector:
    """A client for the Lean API built from a :class:`~lean_connector.spec._model.LeanSpec`.

    Use :meth:`from_spec` to load the spec from YAML/env. ``request()`` returns parsed
    JSON and raises :class:`~lean_connector.errors.ConnectorError` subclasses. The
    resources wrap every endpoint of Lean's collections: ``customers``, ``entities``,
    ``data``, ``insights``, ``verifications``, ``banks``, ``payments``, ``consents``,
    ``payment_sources``, ``destinations``, ``payouts``, ``refunds``; ``link`` builds
    LinkSDK configs.
    """

    def __init__(
        self,
        spec: LeanSpec,
        *,
        transport: HttpTransport | None = None,
        credential: Credential | None = None,
        resolver: SecretResolver | None = None,
    ) -> None:
        """Build the parts the spec describes; a part given here is used instead.

        ``transport`` replaces the pooled mTLS transport (no TLS context or certificate is
        built, and a credential recovery cannot rebuild it); ``credential`` replaces the
        app-token or OAuth credential; ``resolver`` shares a secret cache (a Lambda
        container's). :meth:`close` closes a given transport too.
        """
        from lean_connector.secrets import SecretResolver
        from lean_connector.transport import RetryBudget, RetryPolicy

        self.spec = spec
        self.endpoints: Endpoints = resolve_endpoints(spec)
        self._resolver = resolver or SecretResolver.from_spec(spec)
        self._policy = RetryPolicy(
            max_attempts=spec.retry.max_attempts,
            max_backoff_s=spec.retry.max_backoff_s,
            max_retry_after_s=spec.retry.max_retry_after_s,
        )
        self._budget = RetryBudget(
            ratio=spec.retry.budget_ratio, min_retries_per_s=spec.retry.budget_min_retries_per_s
        )
        self._lock = threading.Lock()
        self._generation = 0  # bumped by each credential recovery, under _lock
        self.certificate: CertificateReport | None = None
        self.ssl_context: ssl.SSLContext | None = None
        self._owns_transport = transport is None
        self._transport: HttpTransport = (
            transport if transport is not None else self._build_transport()
        )
        self._credential: Credential = (
            credential if credential is not None else self._build_credential()
        )
        region: RegionCode = "sa" if spec.region is Region.sa else "ae"
        self.banks = Banks(self, region=region)
        self.customers = Customers(self, region=region)
        self.entities = Entities(self, region=region)
        self.data = Data(self, region=region)
        self.insights = Insights(self, region=region)
        self.verifications = Verifications(self, region=region)
        self.payments = Payments(self, region=region)
        self.consents = Consents(self, region=region)
        self.payment_sources = PaymentSources(self, region=region)
        self.destinations = Destinations(self, region=region)
        self.payouts = Payouts(self, region=region)
        self.refunds = Refunds(self, region=region)
        self.link = LinkSessions(
            self.customers,
            app_token=self._public_app_token,
            customer_token=self._customer_token,
            sandbox=spec.environment is Environment.sandbox,
        )

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_spec(
        cls, path: str | os.PathLike[str] | None = None, **overrides: Any
    ) -> LeanConnector:
        """Load the spec (arguments > ``LEAN_*`` env > YAML at ``path``/``LEAN_CONNECTOR_SPEC``)
        and build a connector.

        Logging is configured from ``spec.logging`` (see ``configure_logging``): where the
        application has ``logging`` handlers they receive the events, else they are printed
        to stderr; the level is ``logging.level`` when the spec sets it."""
        from lean_connector.logs import configure_logging

        spec = load_spec(path, **overrides)
        configure_logging(spec.logging.level_if_set, spec.logging.format)
        return cls(spec)

    def _secret(self, field: str, reference: str | None) -> bytes | None:
        if reference is None:
            return None
        return self._resolver.resolve(reference, field=field).reveal_bytes()

    def _build_transport(self) -> HttpTransport:
        from lean_connector.transport import Transport, build_ssl_context, load_client_identity

        mtls = self.spec.mtls
        identity = None
        ca_chain = None
        if mtls is not None:
            ca_chain = self._secret("mtls.ca_chain", mtls.ca_chain)
            certificate = self._secret("mtls.certificate", mtls.certificate)
            key = self._secret("mtls.private_key", mtls.private_key)
            if certificate is not None and key is not None:
                identity = load_client_identity(
                    certificate,
                    key,
                    password=self._secret("mtls.private_key_password", mtls.private_key_password),
                    ca_chain_pem=ca_chain,
                )
                self.certificate = identity.report
        context = build_ssl_context(identity=identity, ca_chain_pem=ca_chain)
        self.ssl_context = context
        http = self.spec.http
        return Transport(
            ssl_context=context,
            connect_timeout_s=http.connect_timeout_s,
            read_timeout_s=http.read_timeout_s,
            pool_size=http.pool_size,
            max_response_bytes=http.max_response_bytes,
        )

    def _build_credential(self) -> Credential:
        from lean_connector.auth import AppTokenCredential, OAuthCredential, SecretTokenStore

        auth = self.spec.auth
        if auth.mode is AuthMode.oauth:
            if not auth.client_id or not auth.client_secret or not self.endpoints.auth:
                raise SpecError(
                    "auth.mode=oauth needs auth.client_id, auth.client_secret and an auth host",
                    field="auth",
                )
            client_secret_ref = auth.client_secret
            store = (
                SecretTokenStore(
                    self._resolver, auth.token_store, refresh_margin_s=auth.refresh_margin_s
                )
                if auth.token_store
                else None
            )
            return OAuthCredential(
                client_id=auth.client_id,
                client_secret=lambda: self._text("auth.client_secret", client_secret_ref),
                token_url=self.endpoints.token_url,
                post_form=self._post_form,
                refresh_margin_s=auth.refresh_margin_s,
                token_store=store,
                client_secret_reference=client_secret_ref,
                refresh_secret=lambda: self._resolver.refresh(client_secret_ref),
                write_token_store=auth.token_store_write,
            )
        app_token_ref = auth.app_token
        if not app_token_ref:
            raise SpecError(f"auth.mode={auth.mode.value} needs auth.app_token", field="auth")
        return AppTokenCredential(lambda: self._text("auth.app_token", app_token_ref))

    def _text(self, field: str, reference: str) -> str:
        return self._resolver.resolve(reference, field=field).reveal()

    def _post_form(self, url: str, form: Mapping[str, str]) -> tuple[int, Mapping[str, Any]]:
        return self._transport.post_form(url, form)

    # -- properties used by resources, the CLI and the Lambda helpers ----------------------

    @property
    def resolver(self) -> SecretResolver:
        """The secret resolver (shared cache) this connector reads its secrets through."""
        return self._resolver

    @property
    def credential(self) -> Credential:
        """The credential that signs every request (app token or OAuth bearer)."""
        return self._credential

    @property
    def transport(self) -> HttpTransport:
        """The pooled HTTP transport (its ``handshakes`` counter is used by ``doctor``)."""
        return self._transport

    def oauth(self) -> OAuthCredential:
        """The OAuth credential; :class:`AuthError` when the spec has no OAuth client."""
        from lean_connector.auth import OAuthCredential

        if not isinstance(self._credential, OAuthCredential):
            raise AuthError(
                f"auth.mode={self.spec.auth.mode.value} has no OAuth client: customer and api "
                "tokens need auth.mode=oauth with auth.client_id and auth.client_secret"
            )
        return self._credential

    # -- requests ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send one API call and return its parsed JSON body (``None`` when empty).

        Connect errors and 429 are retried for every call; read errors, resets and
        500/502/503/504 only for GET/HEAD/OPTIONS/PUT/DELETE and calls carrying
        ``idempotency_key`` (a POST without a key is never sent twice). A 401
        (or a certificate/token mismatch) drops the cached credential, re-resolves
        secrets and retries once.

        ``json`` is encoded once, before anything is sent: a ``Decimal`` goes out as an
        exact JSON number (``Decimal("100.10")`` -> ``100.10``); a value JSON cannot hold
        raises InvalidRequestError naming its type and place. The answer is parsed the
        same exact way: a number with a fraction becomes a ``Decimal`` (never a float),
        a whole number an ``int``.
        """
        from lean_connector.transport import encode_json

        body = None if json is None else encode_json(json)
        response = self._send(method, path, body=body, params=params, key=idempotency_key)
        if not response.body:
            return None
        try:
            # Money stays exact: 0.1 arrives as Decimal("0.1"), not 0.1000000000000000055...
            return _EXACT_JSON.decode(response.body.decode("utf-8"))
        except ValueError as exc:
            raise LeanAPIError(
                http_status=response.status,
                lean_message="the response body is not JSON",
                method=method.upper(),
                path=path,
                correlation_id=response.headers.get("lean-correlation-id"),
            ) from exc

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None,
        params: Mapping[str, Any] | None,
        key: str | None,
    ) -> HttpResponse:
        from lean_connector.transport import call_with_retry

        method = method.upper()
        if not path.startswith("/"):
            raise InvalidRequestError(f"path must start with '/': got {path!r}")
        idempotent = method in _IDEMPOTENT_METHODS or key is not None

        # The credential generation the latest attempt was signed with: its 401 only calls
        # for recovery if nobody else has recovered since (see _recover_credentials).
        signed_with = [self._generation]

        def attempt(number: int) -> HttpResponse:
            signed_with[0] = self._generation
            return self._attempt(method, path, body=body, params=params, key=key, number=number)

        try:
            self._budget.record_request()
            return call_with_retry(
                attempt, idempotent=idempotent, policy=self._policy, budget=self._budget
            )
        except (LeanUnauthorizedError, LeanForbiddenError, TLSVerificationError) as first:
            if not self._is_credential_failure(first):
                raise
            self._recover_credentials(first, signed_with[0])
            try:
                return call_with_retry(
                    attempt, idempotent=idempotent, policy=self._policy, budget=self._budget
                )
            except (LeanUnauthorizedError, LeanForbiddenError, TLSVerificationError) as second:
                if not self._is_credential_failure(second):
                    raise
                raise AuthError(
                    f"Lean rejected the credentials twice for {method} {path}, the second "
                    f"time after re-reading the secrets and dropping any cached token: "
                    f"{second.message}"
                ) from second

    def _is_credential_failure(self, exc: ConnectorError) -> bool:
        if isinstance(exc, LeanUnauthorizedError):
            return True
        if isinstance(exc, LeanForbiddenError):
            return exc.lean_status in _CREDENTIAL_CODES
        # Only a handshake that refused OUR certificate can be a rotation. An untrusted server
        # (wrong mtls.ca_chain, wrong host) is never fixed by re-reading secrets: fail at once.
        return (
            isinstance(exc, TLSVerificationError)
            and self.certificate is not None
            and exc.reason != "server_untrusted"
        )

    def _recover_credentials(self, exc: ConnectorError, seen_generation: int) -> None:
        """Drop the cached token and secrets once; rebuild TLS when the certificate changed.

        A burst of calls refused together (a revoked token, a rotated certificate) must
        recover ONCE: otherwise each would drop the token another had just fetched, re-read
        every secret and rebuild the transport. Only a call that saw the current generation
        recovers; the others find it bumped and simply retry with the new credentials.
        """
        with self._lock:
            if self._generation != seen_generation:
                log.info("auth.recovery_skipped", error=type(exc).__name__, reason="recovered")
                return
            log.warning("auth.recovering", error=type(exc).__name__, reason=str(exc))
            self._credential.invalidate()
            self._resolver.refresh()
            certificate_may_have_changed = isinstance(
                exc, TLSVerificationError | LeanForbiddenError
            ) or (getattr(exc, "lean_status", None) in _CREDENTIAL_CODES)
            if certificate_may_have_changed and self._owns_transport:
                old = self._transport
                self._transport = self._build_transport()
                old.close()
            # Last: a call that reads the new generation must also get the new credentials,
            # or its failure would look fresh and trigger a second recovery.
            self._generation += 1

    def _attempt(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None,
        params: Mapping[str, Any] | None,
        key: str | None,
        number: int,
    ) -> HttpResponse:
        credential_headers = self._credential.headers()
        headers = {"Accept": "application/json", **credential_headers}
        if key is not None:
            headers["Idempotency-Key"] = key
        url = self.endpoints.api.rstrip("/") + path
        try:
            response = self._transport.send(method, url, headers=headers, body=body, params=params)
        except TransportError as exc:
            # One event per attempt, answered or not: a failed attempt is as worth seeing.
            log.info(
                "http.request",
                method=method,
                path=path,
                status=None,
                error=type(exc).__name__,
                attempt=number,
            )
            raise
        correlation_id = response.headers.get("lean-correlation-id")
        log.info(
            "http.request",
            method=method,
            path=path,
            status=response.status,
            latency_ms=round(response.elapsed_ms, 2),
            attempt=number,
            lean_correlation_id=correlation_id,
        )
        if not 200 <= response.status < 300:  # a 3xx too: redirects are never followed
            from lean_connector.transport import error_from_response

            raise error_from_response(response, method, path)
        return response

    # -- conveniences --------------------------------------------------------------------

    def link_session(
        self,
        app_user_id: str,
        permissions: Sequence[str] = DEFAULT_LINK_PERMISSIONS,
        bank_identifier: str | None = None,
    ) -> LinkConnectConfig:
        """Get-or-create the customer of ``app_user_id``; return LinkSDK ``connect()`` config.

        With OAuth a customer-scoped token with at least 10 minutes left is included; the
        api token and every other secret stay server-side. The other LinkSDK flows
        (reconnect, pay, account-on-file consent) are on :attr:`link`.
        """
        return self.link.connect(app_user_id, permissions, bank_identifier=bank_identifier)

    def _customer_token(self, customer_id: str) -> str | None:
        from lean_connector.auth import OAuthCredential

        if isinstance(self._credential, OAuthCredential):
            return self._credential.customer_token(customer_id, min_validity_s=600).value
        return None

    def _public_app_token(self) -> str:
        """The application id LinkSDK needs: the OAuth client id, else the resolved app token."""
        auth = self.spec.auth
        if auth.client_id:
            return auth.client_id
        if auth.app_token:
            return self._text("auth.app_token", auth.app_token)
        raise InvalidRequestError("link sessions need auth.app_token or auth.client_id in the spec")

    def new_idempotency_key(self) -> str:
        """A fresh Idempotency-Key (UUID4)."""
        return str(uuid.uuid4())

    def close(self) -> None:
        """Close pooled connections. The connector cannot be used afterwards."""
        self._transport.close()

    def __enter__(self) -> LeanConnector:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"LeanConnector(environment={self.spec.environment.value}, "
            f"region={self.spec.region.value}, mode={self.spec.auth.mode.value}, "
            f"api={self.endpoints.api})"
        )

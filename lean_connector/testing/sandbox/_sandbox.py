"""LeanSandbox: a local, strict stand-in for Lean's API, for tests, benchmarks and demos.

Two HTTPS listeners on 127.0.0.1: ``mtls_url`` requires a client certificate chaining to the
test root CA (so a leaf sent without its intermediate is refused, as Lean does) plus the
``lean-app-token``; ``api_url`` takes no client certificate and accepts the app token or a
bearer JWT from the OAuth endpoint at ``{auth_url}/oauth2/token``. See docs/sandbox.md.

    with LeanSandbox() as sandbox:
        connector = LeanConnector.from_spec(**sandbox.spec_overrides("oauth"))
        sandbox.faults.rate_limit(2)
        ...
        assert sandbox.counters.token_requests["api"] == 1
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

from lean_connector.testing.certs import CertBundle, make_bundle
from lean_connector.testing.jwt import TokenSigner
from lean_connector.testing.sandbox._actions import DataActions
from lean_connector.testing.sandbox._bundle import BundleFiles
from lean_connector.testing.sandbox._counters import Counters
from lean_connector.testing.sandbox._datastore import DataStore
from lean_connector.testing.sandbox._faults import Faults
from lean_connector.testing.sandbox._oauth import TokenEndpoint
from lean_connector.testing.sandbox._router import REGIONS, SandboxApi
from lean_connector.testing.sandbox._routes import all_routes
from lean_connector.testing.sandbox._server import SandboxHTTPServer, server_ssl_context
from lean_connector.testing.sandbox._store import SeededData

__all__ = ["LeanSandbox"]


class LeanSandbox(BundleFiles, DataActions):
    """A running local Lean: start()/stop() or ``with``. Thread-safe; one per test session."""

    def __init__(
        self,
        *,
        app_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_lifetime_s: float = 3599,
        seed: int = 1,
        host: str = "127.0.0.1",
        region: str | None = None,
    ) -> None:
        if region is not None and region not in REGIONS:
            raise ValueError(f"LeanSandbox: region must be 'ae', 'sa' or None, got {region!r}")
        self.region = region
        names = tuple(dict.fromkeys((host, "127.0.0.1", "localhost")))
        self.bundle: CertBundle = make_bundle(server_names=names)
        self.app_token = app_token or str(uuid.uuid4())
        # Lean's client_id is the application id, which is also the app token.
        self.client_id = client_id or self.app_token
        self.client_secret = client_secret or secrets.token_urlsafe(32)
        self.token_lifetime_s = token_lifetime_s
        self.host = host
        self.faults = Faults()
        self.counters = Counters()
        self.data = DataStore(seed, application_id=self.app_token)
        self.seeded: SeededData = self.data.seed_customers(
            2, 1, 2, 30, app_user_prefix="sandbox-user"
        )
        self._servers: dict[str, SandboxHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self._workdir: Path | None = None
        self._signer = TokenSigner(issuer="")

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> LeanSandbox:
        """Bind both listeners on free ports, write the client files, serve in daemon threads."""
        if self._servers:
            raise RuntimeError("LeanSandbox.start(): already started")
        self._workdir = Path(tempfile.mkdtemp(prefix="lean-sandbox-"))
        try:
            self._write_client_files(self._workdir)
            identity = self.bundle.server
            mtls_context = server_ssl_context(
                identity.cert_pem, identity.key_pem, client_ca_pem=self.bundle.root.cert_pem
            )
            api_context = server_ssl_context(
                identity.cert_pem, identity.key_pem, client_ca_pem=None
            )
            api = self._api()
            for name, context in (("mtls", mtls_context), ("api", api_context)):
                self._servers[name] = SandboxHTTPServer(
                    (self.host, 0),
                    listener_name=name,
                    ssl_context=context,
                    api=api,
                    counters=self.counters,
                )
            # The issuer is the auth URL, known only once the listener has its port.
            self._signer.issuer = self.auth_url
            for server in self._servers.values():
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.1},
                    name=f"lean-sandbox-{server.listener_name}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)
        except BaseException:
            self.stop()
            raise
        return self

    def _api(self) -> SandboxApi:
        return SandboxApi(
            routes=all_routes(self.data, self.faults),
            region=self.region,
            faults=self.faults,
            counters=self.counters,
            signer=self._signer,
            app_token=self.app_token,
            token_endpoint=TokenEndpoint(
                store=self.data,
                faults=self.faults,
                counters=self.counters,
                signer=self._signer,
                client_id=self.client_id,
                client_secret=self.client_secret,
                token_lifetime_s=self.token_lifetime_s,
            ),
        )

    def stop(self) -> None:
        """Stop serving, close every connection and delete the work directory. Idempotent."""
        servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            if self._threads:
                server.shutdown()
            server.close_open_connections()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> LeanSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"mtls={self.mtls_url} api={self.api_url}" if self._servers else "stopped"
        return f"LeanSandbox({state})"

    # -- addresses -------------------------------------------------------------------------

    def _url(self, name: str) -> str:
        server = self._servers.get(name)
        if server is None:
            raise RuntimeError(
                "LeanSandbox is not started: call start() or use it as a context manager"
            )
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{server.server_port}"

    @property
    def mtls_url(self) -> str:
        """Base URL of the listener that requires a client certificate (mode mtls)."""
        return self._url("mtls")

    @property
    def api_url(self) -> str:
        """Base URL of the listener without client certificates (modes app_token and oauth)."""
        return self._url("api")

    @property
    def auth_url(self) -> str:
        """Base URL of the OAuth server; the token endpoint is ``{auth_url}/oauth2/token``."""
        return self._url("api")

    def sign_jwt(self, claims: dict[str, Any]) -> str:
        """Sign arbitrary claims with the sandbox's key (tests of expired or foreign tokens)."""
        return self._signer.sign(claims)

    @property
    def jwt_public_key_pem(self) -> bytes:
        """The RSA public key that verifies the sandbox's access tokens."""
        return self._signer.public_key_pem

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint."""
        return f"{self.auth_url}/oauth2/token"

    @property
    def workdir(self) -> Path | None:
        """The 0700 directory holding the client files while started (None when stopped)."""
        return self._workdir

    # -- state -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Disarm every fault and zero every counter; data (customers, intents) is kept."""
        self.faults.reset()
        self.counters.reset()

    def endpoints(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every endpoint served (those of ``region`` when set), paths
        as Lean writes them (``{customer_id}`` for ids)."""
        return [
            (route.method, route.template)
            for route in all_routes(self.data, self.faults)
            if self.region is None or self.region in route.regions
        ]

    def verify_jwt(self, token: str) -> dict[str, Any]:
        """The claims of a token this sandbox issued; else ``InvalidTokenError`` (a ValueError)."""
        return self._signer.verify(token)

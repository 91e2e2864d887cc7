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

import contextlib
import json
import os
import secrets
import shutil
import signal
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from lean_connector.errors import InvalidRequestError
from lean_connector.testing.certs import CertBundle, make_bundle
from lean_connector.testing.jwt import TokenSigner
from lean_connector.testing.sandbox._api import SandboxApi
from lean_connector.testing.sandbox._data import DataStore, SeededData
from lean_connector.testing.sandbox._faults import Counters, Faults
from lean_connector.testing.sandbox._oauth import TokenEndpoint
from lean_connector.testing.sandbox._server import SandboxHTTPServer, server_ssl_context

__all__ = ["AUTH_MODES", "LeanSandbox", "serve_forever_cli"]

AUTH_MODES = ("mtls", "oauth", "app_token")
# The spec's JSON Schema is written beside the specs, and each spec names it by a path
# relative to itself: editors (yaml-language-server) find it offline, for this version.
SCHEMA_FILE = "lean-connector-spec.schema.json"
_SCHEMA_COMMENT = f"# yaml-language-server: $schema=./{SCHEMA_FILE}\n"


def _symlink_refused(path: Path) -> InvalidRequestError:
    return InvalidRequestError(
        f"{path} is a symbolic link: the sandbox never writes through one (it would "
        "overwrite whatever the link points at); remove it or choose another --out"
    )


def _write_private(path: Path, content: bytes) -> Path:
    """Write a file only its owner can read (these are test credentials, but still).

    Never through a symlink planted at ``path``: the open fails instead of following it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags, 0o600)
    except OSError as exc:
        if path.is_symlink():
            raise _symlink_refused(path) from exc
        raise
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)  # an existing file may have been looser
        handle.write(content)
    return path


def _private_folder(directory: Path) -> None:
    """``directory`` as a 0700 folder, created if missing; a symlink is refused."""
    if directory.is_symlink():
        raise _symlink_refused(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory.is_symlink() or not directory.is_dir():  # replaced meanwhile
        raise _symlink_refused(directory)


def _yaml_lines(mapping: dict[str, Any], indent: int = 0) -> list[str]:
    # JSON-quoted scalars are valid YAML, so the sandbox needs no YAML library.
    lines = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            lines.append(f"{' ' * indent}{key}:")
            lines.extend(_yaml_lines(value, indent + 2))
        else:
            lines.append(f"{' ' * indent}{key}: {json.dumps(value)}")
    return lines


class LeanSandbox:
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
    ) -> None:
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
        self.data = DataStore(seed)
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
            store=self.data,
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

    def seed_customers(
        self,
        n_customers: int,
        entities_per_customer: int = 1,
        accounts_per_entity: int = 2,
        transactions_per_account: int = 30,
    ) -> SeededData:
        """Add deterministic customers, entities, accounts and transactions (scale tests)."""
        return self.data.seed_customers(
            n_customers, entities_per_customer, accounts_per_entity, transactions_per_account
        )

    def verify_jwt(self, token: str) -> dict[str, Any]:
        """The claims of a token this sandbox issued; else ``InvalidTokenError`` (a ValueError)."""
        return self._signer.verify(token)

    # -- files and specs -------------------------------------------------------------------

    def _write_client_files(self, directory: Path) -> dict[str, Path]:
        return {
            "ca_chain": _write_private(directory / "ca_chain.pem", self.bundle.ca_chain_pem),
            # The leaf alone, as the Lean portal hands it out; clients must complete the chain.
            "certificate": _write_private(
                directory / "client_cert.pem", self.bundle.client.cert_pem
            ),
            "private_key": _write_private(directory / "client_key.pem", self.bundle.client.key_pem),
            "app_token": _write_private(directory / "app_token.txt", self.app_token.encode()),
            "client_secret": _write_private(
                directory / "client_secret.txt", self.client_secret.encode()
            ),
        }

    def _spec(self, mode: str, directory: Path) -> dict[str, Any]:
        if mode not in AUTH_MODES:
            raise ValueError(
                f"spec_overrides: mode must be one of {', '.join(AUTH_MODES)}, got {mode!r}"
            )

        def ref(name: str) -> str:
            return (directory / name).resolve().as_uri()

        spec: dict[str, Any] = {"environment": "sandbox"}
        if mode == "mtls":
            spec["auth"] = {"mode": "mtls", "app_token": ref("app_token.txt")}
            spec["mtls"] = {
                "certificate": ref("client_cert.pem"),
                "private_key": ref("client_key.pem"),
                "ca_chain": ref("ca_chain.pem"),
            }
            spec["endpoints"] = {"api": self.mtls_url, "auth": self.auth_url}
        elif mode == "oauth":
            spec["auth"] = {
                "mode": "oauth",
                "client_id": self.client_id,
                "client_secret": ref("client_secret.txt"),
            }
            spec["mtls"] = {"ca_chain": ref("ca_chain.pem")}
            spec["endpoints"] = {"api": self.api_url, "auth": self.auth_url}
        else:
            spec["auth"] = {"mode": "app_token", "app_token": ref("app_token.txt")}
            spec["mtls"] = {"ca_chain": ref("ca_chain.pem")}
            spec["endpoints"] = {"api": self.api_url, "auth": self.auth_url}
        return spec

    def spec_overrides(self, mode: str) -> dict[str, Any]:
        """Nested overrides for ``load_spec(**overrides)``: this sandbox in ``mode``
        (mtls, oauth or app_token), secrets as ``file://`` references into the work directory."""
        if self._workdir is None:
            raise RuntimeError("LeanSandbox is not started: call start() before spec_overrides()")
        return self._spec(mode, self._workdir)

    def write_bundle(self, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
        """Write the PEMs, the secrets, spec-mtls/oauth/app-token.yaml and the spec's JSON
        Schema (``schema``, which the specs' ``$schema`` comment names) into ``out_dir``.

        Returns the paths written, by name. The caller removes them (``serve_forever_cli`` does).
        """
        from lean_connector.spec import spec_json_schema

        directory = Path(out_dir)
        _private_folder(directory)
        written = self._write_client_files(directory)
        schema = json.dumps(spec_json_schema(), indent=2) + "\n"
        written["schema"] = _write_private(directory / SCHEMA_FILE, schema.encode())
        for mode in AUTH_MODES:
            text = _SCHEMA_COMMENT + "\n".join(_yaml_lines(self._spec(mode, directory))) + "\n"
            name = f"spec-{mode.replace('_', '-')}"
            written[name] = _write_private(directory / f"{name}.yaml", text.encode())
        return written


def serve_forever_cli(
    out_dir: Path,
    *,
    host: str = "127.0.0.1",
    prepare: Callable[[LeanSandbox], dict[str, Any]] | None = None,
) -> int:
    """Run a sandbox for ``lean-connector sandbox --out DIR`` until SIGINT/SIGTERM.

    Writes the bundle into ``out_dir``, prints the URLs and file paths as one JSON line on
    stdout (no secret values), and removes the files it wrote on the way out. Returns 0.
    ``prepare(sandbox)`` runs first (seeding data, arming faults); what it returns is added
    to the printed line.
    """
    stopping = threading.Event()
    previous: dict[signal.Signals, Any] = {}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, on_signal)
    if Path(out_dir).is_symlink():
        raise _symlink_refused(Path(out_dir))
    created = not Path(out_dir).exists()
    try:
        with LeanSandbox(host=host) as sandbox:
            prepared = prepare(sandbox) if prepare is not None else {}
            written = sandbox.write_bundle(out_dir)
            try:
                summary = {
                    "mtls_url": sandbox.mtls_url,
                    "api_url": sandbox.api_url,
                    "auth_url": sandbox.auth_url,
                    "token_url": sandbox.token_url,
                    "specs": {m: str(written[f"spec-{m.replace('_', '-')}"]) for m in AUTH_MODES},
                    "files": {name: str(path) for name, path in written.items()},
                    **prepared,
                }
                print(json.dumps(summary), flush=True)
                while not stopping.wait(0.5):
                    pass
            finally:
                for path in written.values():
                    path.unlink(missing_ok=True)
                if created:
                    with contextlib.suppress(OSError):
                        Path(out_dir).rmdir()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0

"""``lean-connector doctor``: check a spec end to end and say what to fix.

Each check runs only when the ones it needs passed, so the first failure is the one to
read. Checks: secrets resolve; certificate, key and chain; TLS handshake with the API
host; a token (OAuth); ``GET /banks/v1/``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import ssl
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from lean_connector.cli._common import EXIT_FAILED, EXIT_OK, load_spec_from, print_json
from lean_connector.errors import (
    ConnectorError,
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretUnavailableError,
)
from lean_connector.transport import EXPIRY_WARNING_DAYS

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector
    from lean_connector.secrets import SecretResolver
    from lean_connector.spec import LeanSpec

__all__ = ["Check", "add_arguments", "render_table", "run", "run_doctor"]

Status = Literal["pass", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    status: Status
    detail: str
    advice: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _secrets(spec: LeanSpec, resolver: SecretResolver) -> list[Check]:
    from lean_connector.spec import secret_references

    checks = []
    for field, reference in secret_references(spec).items():
        try:
            value = resolver.resolve(reference, field=field)
        except ConnectorError as exc:
            advice = _secret_advice(field, reference, exc)
            checks.append(Check(f"secret {field}", "fail", exc.message, advice))
            continue
        version = f", version {value.version_id}" if value.version_id else ""
        checks.append(
            Check(f"secret {field}", "pass", f"{value.source}{version}, {len(value)} bytes")
        )
    return checks


def _secret_advice(field: str, reference: str, exc: ConnectorError) -> str:
    """What to do, by what failed and where the reference points."""
    scheme = reference.split("://", 1)[0] if "://" in reference else "literal"
    if isinstance(exc, SecretNotFoundError):
        if scheme == "file":
            return f"the file does not exist: create it, or point {field} at the right path"
        if scheme == "env":
            return f"the environment variable is not set: export it, or fix {field}"
        return (
            "the secret (or its JSON key) does not exist: create it and fill it with "
            f"`lean-connector secrets put {field}`, or fix {field}"
        )
    if isinstance(exc, SecretAccessDeniedError):
        if scheme == "file":
            return "the file is not readable by this user: fix its owner or permissions"
        return (
            "this identity may not read it: grant the read (and kms:Decrypt on its key), "
            "or run with the AWS credentials that may"
        )
    if isinstance(exc, SecretUnavailableError):
        return (
            "the secret store could not be reached: check the network path and "
            "secrets.aws_region / secrets.aws_endpoint_url, then run doctor again"
        )
    return f"fix {field}"


def _certificate(connector: LeanConnector) -> Check:
    report = connector.certificate
    if report is None:
        return Check("client certificate", "skip", "no mtls.certificate in the spec")
    detail = f"{report.subject}, {report.days_left} days left (until {report.not_after:%Y-%m-%d})"
    if report.days_left < EXPIRY_WARNING_DAYS:
        return Check(
            "client certificate",
            "warn",
            detail,
            "generate a new certificate in the Lean portal and update mtls.certificate",
        )
    return Check("client certificate", "pass", f"{detail}, chain of {report.chain_length}")


def _handshake(spec: LeanSpec, connector: LeanConnector) -> Check:
    url = urlsplit(connector.endpoints.api)
    host, port = url.hostname or "", url.port or 443
    context = connector.ssl_context
    identity = connector.certificate
    if context is None:
        return Check("TLS handshake", "fail", "the connector has no TLS context")
    started = time.perf_counter()
    try:
        with (
            socket.create_connection((host, port), timeout=spec.http.connect_timeout_s) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            version = tls.version()
            # Taken before the read below, which waits up to 0.2 s on a healthy server.
            elapsed = (time.perf_counter() - started) * 1000
            # TLS 1.3 servers refuse a client certificate after the handshake: read once.
            tls.settimeout(0.2)
            with contextlib.suppress(TimeoutError, ssl.SSLWantReadError):
                tls.recv(1)
    except ssl.SSLCertVerificationError as exc:
        return Check(
            "TLS handshake",
            "fail",
            f"{host}:{port} is not trusted: {exc.verify_message}",
            "check mtls.ca_chain matches this environment's Lean chain",
        )
    except (ssl.SSLError, ConnectionResetError) as exc:
        return Check(
            "TLS handshake",
            "fail",
            f"{host}:{port} refused the handshake: {exc}",
            "check mtls.certificate is Lean's for this environment and includes the chain",
        )
    except OSError as exc:
        return Check(
            "TLS handshake",
            "fail",
            f"cannot connect to {host}:{port}: {exc}",
            "check endpoints.api" + _proxy_note(host),
        )
    client = "with client certificate" if identity else "server-only"
    return Check("TLS handshake", "pass", f"{host}:{port} {version}, {client}, {elapsed:.0f} ms")


def _proxy_note(host: str) -> str:
    """Advice for a failed direct connection when the environment routes HTTPS via a proxy."""
    proxy_set = any(os.environ.get(name) for name in ("HTTPS_PROXY", "https_proxy"))
    if not proxy_set or urllib.request.proxy_bypass(host):
        return ""
    # The connector's calls go through the proxy; this check connects directly, so a network
    # that only allows the proxy fails here while the API call itself could work.
    return (
        "; HTTPS_PROXY is set: this check connects directly while API calls go through the "
        "proxy, so where only the proxy is allowed out it fails although calls may work"
    )


def _token(connector: LeanConnector) -> Check:
    from lean_connector.auth import OAuthCredential

    credential = connector.credential
    if not isinstance(credential, OAuthCredential):
        return Check("token", "skip", f"auth.mode={connector.spec.auth.mode.value} uses no token")
    try:
        token = credential.api_token()
    except ConnectorError as exc:
        return Check("token", "fail", exc.message, "check auth.client_id and auth.client_secret")
    return Check("token", "pass", f"scope {token.scope}, {token.seconds_left():.0f} s left")


def _api(connector: LeanConnector) -> Check:
    started = time.perf_counter()
    try:
        banks = connector.banks.list()
    except ConnectorError as exc:
        return Check("GET /banks/v1/", "fail", exc.message)
    elapsed = (time.perf_counter() - started) * 1000
    return Check("GET /banks/v1/", "pass", f"{len(banks)} banks, {elapsed:.0f} ms")


def run_doctor(spec: LeanSpec) -> list[Check]:
    """Run every check against ``spec``; later checks are skipped after a failure they need."""
    from lean_connector.client import LeanConnector
    from lean_connector.secrets import SecretResolver

    resolver = SecretResolver.from_spec(spec)
    checks = _secrets(spec, resolver)
    if any(c.status == "fail" for c in checks):
        return [*checks, Check("connector", "skip", "secrets failed")]
    try:
        connector = LeanConnector(spec, resolver=resolver)
    except ConnectorError as exc:
        return [*checks, Check("connector", "fail", exc.message)]
    with connector:
        checks.append(_certificate(connector))
        try:
            handshake = _handshake(spec, connector)
        except ConnectorError as exc:
            handshake = Check("TLS handshake", "fail", exc.message)
        checks.append(handshake)
        if handshake.status == "fail":
            return [*checks, Check("token", "skip", "no TLS"), Check("API", "skip", "no TLS")]
        token = _token(connector)
        checks.append(token)
        if token.status == "fail":
            return [*checks, Check("GET /banks/v1/", "skip", "no token")]
        checks.append(_api(connector))
    return checks


def render_table(checks: list[Check]) -> str:
    """A fixed-width table: status, check, detail, and what to do on the next line."""
    width = max((len(c.name) for c in checks), default=10)
    lines = []
    for check in checks:
        lines.append(f"{check.status.upper():<5} {check.name:<{width}}  {check.detail}")
        if check.advice and check.status in {"fail", "warn"}:
            lines.append(f"{'':<5} {'':<{width}}  -> {check.advice}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``doctor``: the output format."""
    parser.add_argument("--format", choices=("table", "json"), default="table")


def run(args: argparse.Namespace) -> int:
    """Check secrets, certificate, TLS, token and one API call; exit 1 on any failure."""
    checks = run_doctor(load_spec_from(args, configure_logs=True))
    if args.format == "json":
        print_json([check.as_dict() for check in checks])
    else:
        print(render_table(checks))
    failed = [check.name for check in checks if check.status == "fail"]
    if failed:
        print(f"doctor: {len(failed)} check(s) failed: {', '.join(failed)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK

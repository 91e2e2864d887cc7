"""CLI commands that talk to Lean: doctor, token, request, link-session, sandbox.

Registered in :data:`lean_connector.cli.COMMANDS`. Each builds the connector from the same
spec a Lambda would use; results go to stdout, logs and errors to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lean_connector.cli import EXIT_FAILED, EXIT_OK, print_json
from lean_connector.errors import InvalidRequestError, SpecError

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector
    from lean_connector.spec import LeanSpec

__all__ = [
    "HTTP_METHODS",
    "add_doctor_arguments",
    "add_link_session_arguments",
    "add_request_arguments",
    "add_sandbox_arguments",
    "add_token_arguments",
    "cmd_doctor",
    "cmd_link_session",
    "cmd_request",
    "cmd_sandbox",
    "cmd_token",
]


HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _spec(args: argparse.Namespace) -> LeanSpec:
    from lean_connector.logs import configure_logging
    from lean_connector.spec import load_spec

    spec = load_spec(args.spec)
    configure_logging(spec.logging.level, spec.logging.format, stream=sys.stderr)
    return spec


def _connector(spec: LeanSpec) -> LeanConnector:
    from lean_connector.client import LeanConnector

    return LeanConnector(spec)


def add_doctor_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``doctor``: the output format."""
    parser.add_argument("--format", choices=("table", "json"), default="table")


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check secrets, certificate, TLS, token and one API call; exit 1 on any failure."""
    from lean_connector.doctor import render_table, run_doctor

    checks = run_doctor(_spec(args))
    if args.format == "json":
        print_json([check.as_dict() for check in checks])
    else:
        print(render_table(checks))
    failed = [check.name for check in checks if check.status == "fail"]
    if failed:
        print(f"doctor: {len(failed)} check(s) failed: {', '.join(failed)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def add_token_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``token``: a customer scope, and --show to print the credential."""
    parser.add_argument("--customer", metavar="CUSTOMER_ID", help="mint a customer-scoped token")
    parser.add_argument(
        "--show", action="store_true", help="print the token itself (it is a credential)"
    )


def cmd_token(args: argparse.Namespace) -> int:
    """Get an api (or customer) token; prints its scope and expiry, the value only with --show."""
    spec = _spec(args)
    # Only OAuth has tokens; a spec in another mode is the input to fix, not a failed call.
    if spec.auth.mode.value != "oauth":
        raise SpecError(
            f"token needs auth.mode=oauth, but the spec has auth.mode={spec.auth.mode.value}: "
            "mtls and app_token modes send the app token itself and mint no tokens",
            field="auth.mode",
        )
    with _connector(spec) as connector:
        oauth = connector.oauth()
        token = oauth.customer_token(args.customer) if args.customer else oauth.api_token()
        result: dict[str, Any] = {
            "scope": token.scope,
            "expires_at": int(token.expires_at),
            "expires_in": int(token.seconds_left()),
        }
        if args.show:
            result["access_token"] = token.value
        print_json(result)
    return EXIT_OK


def _http_method(text: str) -> str:
    return text.upper()


def add_request_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``request``: METHOD PATH, a JSON body, query parameters."""
    parser.add_argument(
        "method", type=_http_method, choices=HTTP_METHODS, help=", ".join(HTTP_METHODS)
    )
    parser.add_argument("path", help="API path, e.g. /banks/v1/")
    parser.add_argument("--data", metavar="JSON", help="JSON request body")
    parser.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="query parameter"
    )
    parser.add_argument("--idempotency-key", help="Idempotency-Key header (makes POST retryable)")


def cmd_request(args: argparse.Namespace) -> int:
    """Send one API call and print the JSON answer."""
    body = None
    if args.data is not None:
        try:
            body = json.loads(args.data)
        except ValueError as exc:
            raise InvalidRequestError(f"--data is not valid JSON: {exc}") from exc
    params = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidRequestError(f"--param must be KEY=VALUE, got {item!r}")
        params[key] = value
    # The client refuses this too, but only after resolving secrets; say it before that.
    if not args.path.startswith("/"):
        raise InvalidRequestError(f"path must start with '/': got {args.path!r}")
    with _connector(_spec(args)) as connector:
        result = connector.request(
            args.method,
            args.path,
            json=body,
            params=params or None,
            idempotency_key=args.idempotency_key,
        )
    print_json(result)
    return EXIT_OK


def add_link_session_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``link-session``: the end user, permissions and a preselected bank."""
    from lean_connector.resources import LINK_PERMISSIONS  # light: no requests, no boto3

    parser.add_argument("--app-user-id", required=True, help="your own id for the end user")
    parser.add_argument(
        "--permission",
        action="append",
        dest="permissions",
        choices=sorted(LINK_PERMISSIONS),
        help="LinkSDK permission (repeatable; default identity, accounts, balance, transactions)",
    )
    parser.add_argument("--bank-identifier", help="preselect a bank in LinkSDK")


def cmd_link_session(args: argparse.Namespace) -> int:
    """Print the LinkSDK connect() config for one end user (get-or-create the customer)."""
    with _connector(_spec(args)) as connector:
        if args.permissions:
            config = connector.link_session(
                args.app_user_id, args.permissions, bank_identifier=args.bank_identifier
            )
        else:
            config = connector.link_session(args.app_user_id, bank_identifier=args.bank_identifier)
    print_json(config)
    return EXIT_OK


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sandbox``: where to write the test PKI and specs."""
    parser.add_argument(
        "--out", required=True, type=Path, help="directory for the test PKI and ready specs"
    )


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Run the local Lean sandbox until interrupted (test certificates and specs in --out)."""
    from lean_connector.testing.sandbox import serve_forever_cli

    return serve_forever_cli(args.out)

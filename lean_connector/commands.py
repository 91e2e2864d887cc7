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

from lean_connector.errors import InvalidRequestError

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector

__all__ = [
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


def _spec(args: argparse.Namespace) -> Any:
    from lean_connector.logs import configure_logging
    from lean_connector.spec import load_spec

    spec = load_spec(args.spec)
    configure_logging(spec.logging.level, spec.logging.format, stream=sys.stderr)
    return spec


def _connector(args: argparse.Namespace) -> LeanConnector:
    from lean_connector.client import LeanConnector

    return LeanConnector(_spec(args))


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def add_doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "json"), default="table")


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check secrets, certificate, TLS, token and one API call; exit 1 on any failure."""
    from lean_connector.doctor import render_table, run_doctor

    checks = run_doctor(_spec(args))
    if args.format == "json":
        _print_json([check.as_dict() for check in checks])
    else:
        print(render_table(checks))
    failed = [check.name for check in checks if check.status == "fail"]
    if failed:
        print(f"doctor: {len(failed)} check(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def add_token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--customer", metavar="CUSTOMER_ID", help="mint a customer-scoped token")
    parser.add_argument(
        "--show", action="store_true", help="print the token itself (it is a credential)"
    )


def cmd_token(args: argparse.Namespace) -> int:
    """Get an api (or customer) token; prints its scope and expiry, the value only with --show."""
    with _connector(args) as connector:
        oauth = connector.oauth()
        token = oauth.customer_token(args.customer) if args.customer else oauth.api_token()
        result: dict[str, Any] = {
            "scope": token.scope,
            "expires_at": int(token.expires_at),
            "expires_in": int(token.seconds_left()),
        }
        if args.show:
            result["access_token"] = token.value
        _print_json(result)
    return 0


def add_request_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("method", help="GET, POST, PUT, DELETE")
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
    with _connector(args) as connector:
        result = connector.request(
            args.method,
            args.path,
            json=body,
            params=params or None,
            idempotency_key=args.idempotency_key,
        )
    _print_json(result)
    return 0


def add_link_session_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app-user-id", required=True, help="your own id for the end user")
    parser.add_argument(
        "--permission",
        action="append",
        dest="permissions",
        help="LinkSDK permission (repeatable; default identity, accounts, balance, transactions)",
    )
    parser.add_argument("--bank-identifier", help="preselect a bank in LinkSDK")


def cmd_link_session(args: argparse.Namespace) -> int:
    """Print the LinkSDK connect() config for one end user (get-or-create the customer)."""
    with _connector(args) as connector:
        if args.permissions:
            config = connector.link_session(
                args.app_user_id, args.permissions, bank_identifier=args.bank_identifier
            )
        else:
            config = connector.link_session(args.app_user_id, bank_identifier=args.bank_identifier)
    _print_json(config)
    return 0


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", required=True, type=Path, help="directory for the test PKI and ready specs"
    )


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Run the local Lean sandbox until interrupted (test certificates and specs in --out)."""
    from lean_connector.testing.sandbox import serve_forever_cli

    return serve_forever_cli(args.out)

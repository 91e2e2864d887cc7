"""``lean-connector request METHOD PATH``: send one API call, print the JSON answer."""

from __future__ import annotations

import argparse
import json

from lean_connector.cli._common import EXIT_OK, connector_for, load_spec_from, print_json
from lean_connector.errors import InvalidRequestError

__all__ = ["HTTP_METHODS", "add_arguments", "run"]


HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _http_method(text: str) -> str:
    return text.upper()


def add_arguments(parser: argparse.ArgumentParser) -> None:
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


def run(args: argparse.Namespace) -> int:
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
            raise InvalidRequestError(
                "--param must be KEY=VALUE (the argument is not shown, in case it is a secret)"
            )
        params[key] = value
    # The client refuses this too, but only after resolving secrets; say it before that.
    if not args.path.startswith("/"):
        raise InvalidRequestError(
            "PATH must start with '/', e.g. /banks/v1/ (the argument is not shown, in case "
            "it is a secret)"
        )
    with connector_for(load_spec_from(args, configure_logs=True)) as connector:
        result = connector.request(
            args.method,
            args.path,
            json=body,
            params=params or None,
            idempotency_key=args.idempotency_key,
        )
    print_json(result)
    return EXIT_OK

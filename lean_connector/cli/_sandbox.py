"""``lean-connector sandbox``: run the local Lean sandbox for tests and demos.

Options seed more data (customers, each with entities, accounts and transactions) and arm
faults before the first request, through the sandbox's own seeding and fault API.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lean_connector.testing.sandbox import LeanSandbox

__all__ = ["add_arguments", "run"]


def _count(text: str) -> int:
    value = int(text) if text.isdigit() else -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, got {text!r}")
    return value


# option -> (what it arms, as --help says it); the value is the option's argument.
_COUNTED_FAULTS = {
    "rate_limit": "answer the next N API calls 429 RATE_LIMIT_EXCEEDED (Retry-After: 1)",
    "unavailable": "answer the next N API calls 503",
    "reset_connections": "reset the connection of the next N API calls without an answer",
    "unauthorized": "answer the next N API calls 401",
    "pending": "answer the next N data calls PENDING (fetch them from /data/v2/results)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sandbox``: where to write the test PKI and specs, data, faults."""
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR",
        help="directory for the test PKI, ready specs and the spec schema",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    data = parser.add_argument_group(
        "data", "seed more customers on top of the two the sandbox always has"
    )
    data.add_argument("--customers", type=_count, default=0, metavar="N", help="customers to add")
    data.add_argument(
        "--entities", type=_count, metavar="N", help="entities (bank connections) each (default 1)"
    )
    data.add_argument("--accounts", type=_count, metavar="N", help="accounts each (default 2)")
    data.add_argument(
        "--transactions", type=_count, metavar="N", help="transactions each (default 30)"
    )
    faults = parser.add_argument_group("faults", "armed before the first request")
    faults.add_argument(
        "--latency", type=_seconds, metavar="SECONDS", help="add this delay to every API call"
    )
    for name, help_text in _COUNTED_FAULTS.items():
        faults.add_argument(f"--{name.replace('_', '-')}", type=_count, metavar="N", help=help_text)
    faults.add_argument(
        "--token-lifetime",
        type=_seconds,
        metavar="SECONDS",
        help="issue tokens that expire after this long (default 3599)",
    )
    faults.add_argument(
        "--token-endpoint-down", action="store_true", help="answer every token request 503"
    )


def _check(args: argparse.Namespace) -> None:
    from lean_connector.errors import InvalidRequestError

    shapes = [f"--{n}" for n in ("entities", "accounts", "transactions") if getattr(args, n)]
    if shapes and not args.customers:
        raise InvalidRequestError(
            f"{', '.join(shapes)} shape the customers --customers adds: add --customers N"
        )


def _prepare(args: argparse.Namespace) -> Any:
    def prepare(sandbox: LeanSandbox) -> dict[str, Any]:
        described: dict[str, Any] = {}
        if args.customers:
            shape = {"entities": 1, "accounts": 2, "transactions": 30}
            shape.update({k: getattr(args, k) for k in shape if getattr(args, k) is not None})
            seeded = sandbox.seed_customers(
                args.customers, shape["entities"], shape["accounts"], shape["transactions"]
            )
            described["seeded"] = {
                **shape,
                "customer_ids": list(seeded.customer_ids),
                "entity_ids": list(seeded.entity_ids),
            }
        armed: dict[str, Any] = {}
        if args.latency is not None:
            sandbox.faults.latency_s = armed["latency_s"] = args.latency
        for name in _COUNTED_FAULTS:
            count = getattr(args, name)
            if count:
                getattr(sandbox.faults, name)(count)
                armed[name] = count
        if args.token_lifetime is not None:
            sandbox.faults.token_lifetime_s = armed["token_lifetime_s"] = args.token_lifetime
        if args.token_endpoint_down:
            sandbox.faults.token_endpoint_down = armed["token_endpoint_down"] = True
        if armed:
            described["faults"] = armed
        return described

    return prepare


def run(args: argparse.Namespace) -> int:
    """Run the local Lean sandbox until interrupted (test certificates and specs in --out)."""
    from lean_connector.testing.sandbox import serve_forever_cli

    _check(args)
    return serve_forever_cli(args.out, host=args.host, prepare=_prepare(args))

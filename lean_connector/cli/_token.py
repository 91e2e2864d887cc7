"""``lean-connector token``: an api or customer token (the value only with --show)."""

from __future__ import annotations

import argparse
from typing import Any

from lean_connector.cli._common import EXIT_OK, connector_for, load_spec_from, print_json
from lean_connector.errors import SpecError

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``token``: a customer scope, and --show to print the credential."""
    parser.add_argument("--customer", metavar="CUSTOMER_ID", help="mint a customer-scoped token")
    parser.add_argument(
        "--show", action="store_true", help="print the token itself (it is a credential)"
    )


def run(args: argparse.Namespace) -> int:
    """Get an api (or customer) token; prints its scope and expiry, the value only with --show."""
    spec = load_spec_from(args, configure_logs=True)
    # Only OAuth has tokens; a spec in another mode is the input to fix, not a failed call.
    if spec.auth.mode.value != "oauth":
        raise SpecError(
            f"token needs auth.mode=oauth, but the spec has auth.mode={spec.auth.mode.value}: "
            "mtls and app_token modes send the app token itself and mint no tokens",
            field="auth.mode",
        )
    with connector_for(spec) as connector:
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

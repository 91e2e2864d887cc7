"""``lean-connector link-session``: the LinkSDK config of one flow for one end user."""

from __future__ import annotations

import argparse
from typing import Any

from lean_connector.cli._common import EXIT_OK, connector_for, load_spec_from, print_json
from lean_connector.errors import InvalidRequestError

__all__ = ["add_arguments", "run"]

# The options each flow needs, beyond --app-user-id.
_NEEDS = {
    "connect": (),
    "reconnect": ("reconnect_id",),
    "pay": ("payment_intent_id",),
    "authorize_consent": ("consent_id", "success_redirect_url", "fail_redirect_url"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``link-session``: the flow, the end user and what the flow needs."""
    from lean_connector.api import LINK_FLOWS, LINK_PERMISSIONS

    parser.add_argument(
        "--flow",
        choices=LINK_FLOWS,
        default="connect",
        help="the LinkSDK method the config is for (default connect)",
    )
    parser.add_argument("--app-user-id", required=True, help="your own id for the end user")
    parser.add_argument(
        "--permission",
        action="append",
        dest="permissions",
        choices=sorted(LINK_PERMISSIONS),
        help="connect: LinkSDK permission (repeatable; default identity, accounts, balance, "
        "transactions)",
    )
    parser.add_argument("--bank-identifier", help="connect, pay: preselect a bank in LinkSDK")
    parser.add_argument("--reconnect-id", help="reconnect: the reconnect_id Lean gave")
    parser.add_argument("--payment-intent-id", help="pay: the payment intent to authorise")
    parser.add_argument("--consent-id", help="authorize_consent: the account-on-file consent")
    parser.add_argument("--success-redirect-url", help="authorize_consent: where to go on success")
    parser.add_argument("--fail-redirect-url", help="authorize_consent: where to go on failure")


def run(args: argparse.Namespace) -> int:
    """Print the LinkSDK config of ``--flow`` for one end user (get-or-create the customer)."""
    flow = args.flow
    missing = [name for name in _NEEDS[flow] if not getattr(args, name)]
    if missing:
        options = ", ".join("--" + name.replace("_", "-") for name in missing)
        raise InvalidRequestError(f"link-session --flow {flow} needs {options}")
    if args.permissions and flow != "connect":
        raise InvalidRequestError("--permission applies to --flow connect only")
    with connector_for(load_spec_from(args, configure_logs=True)) as connector:
        config: Any
        if flow == "connect":
            if args.permissions:
                config = connector.link_session(
                    args.app_user_id, args.permissions, bank_identifier=args.bank_identifier
                )
            else:
                config = connector.link_session(
                    args.app_user_id, bank_identifier=args.bank_identifier
                )
        elif flow == "reconnect":
            config = connector.link.reconnect(args.app_user_id, reconnect_id=args.reconnect_id)
        elif flow == "pay":
            config = connector.link.pay(
                args.app_user_id,
                payment_intent_id=args.payment_intent_id,
                bank_identifier=args.bank_identifier,
            )
        else:
            config = connector.link.authorize_consent(
                args.app_user_id,
                consent_id=args.consent_id,
                success_redirect_url=args.success_redirect_url,
                fail_redirect_url=args.fail_redirect_url,
            )
    print_json(config)
    return EXIT_OK

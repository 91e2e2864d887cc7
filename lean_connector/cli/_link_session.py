"""``lean-connector link-session``: the LinkSDK connect() config for one end user."""

from __future__ import annotations

import argparse

from lean_connector.cli._common import EXIT_OK, connector_for, load_spec_from, print_json

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``link-session``: the end user, permissions and a preselected bank."""
    from lean_connector.api import LINK_PERMISSIONS

    parser.add_argument("--app-user-id", required=True, help="your own id for the end user")
    parser.add_argument(
        "--permission",
        action="append",
        dest="permissions",
        choices=sorted(LINK_PERMISSIONS),
        help="LinkSDK permission (repeatable; default identity, accounts, balance, transactions)",
    )
    parser.add_argument("--bank-identifier", help="preselect a bank in LinkSDK")


def run(args: argparse.Namespace) -> int:
    """Print the LinkSDK connect() config for one end user (get-or-create the customer)."""
    with connector_for(load_spec_from(args, configure_logs=True)) as connector:
        if args.permissions:
            config = connector.link_session(
                args.app_user_id, args.permissions, bank_identifier=args.bank_identifier
            )
        else:
            config = connector.link_session(args.app_user_id, bank_identifier=args.bank_identifier)
    print_json(config)
    return EXIT_OK

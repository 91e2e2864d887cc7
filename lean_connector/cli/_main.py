"""The ``lean-connector`` command: the command table, the parser, and the dispatch.

Results go to stdout (JSON where it is data); logs and errors go to stderr. Exit codes:
0 success, 1 the call or check failed, 2 the spec or the command line is wrong.

Every command is a module of this package with the same two functions:
``add_arguments(parser)`` and ``run(args) -> int``. Adding one means writing that module
and one :class:`Command` row in :data:`COMMANDS`. A command module is imported only when
its command is parsed or run, and imports heavy libraries inside ``run``:
``lean-connector validate`` must not pay for boto3 or requests.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from lean_connector.cli._common import EXIT_FAILED, EXIT_USAGE, USAGE_ERRORS
from lean_connector.errors import ConnectorError

__all__ = ["COMMANDS", "SPEC_OPTION", "Command", "build_parser", "main"]

DEBUG_ENV = "LEAN_CONNECTOR_DEBUG"


@dataclass(frozen=True)
class Command:
    """One subcommand, implemented by ``module`` (``add_arguments`` and ``run``)."""

    name: str
    help: str
    module: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        importlib.import_module(self.module).add_arguments(parser)


COMMANDS: list[Command] = [
    Command(
        "validate",
        "check the spec and print it (secrets as references)",
        "lean_connector.cli._validate",
    ),
    Command("schema", "print the JSON Schema of the spec", "lean_connector.cli._schema"),
    Command(
        "secrets",
        "secret references: `secrets check`, `secrets put`",
        "lean_connector.cli._secrets",
    ),
    Command(
        "doctor",
        "check secrets, certificate, TLS, token and one API call",
        "lean_connector.cli._doctor",
    ),
    Command(
        "token",
        "get an api or customer token (value only with --show)",
        "lean_connector.cli._token",
    ),
    Command(
        "request",
        "send one API call: request METHOD PATH [--data JSON]",
        "lean_connector.cli._request",
    ),
    Command(
        "link-session",
        "print the LinkSDK connect() config for an end user",
        "lean_connector.cli._link_session",
    ),
    Command(
        "sync",
        "fetch accounts, balances and transactions to JSON Lines (dir or s3://)",
        "lean_connector.cli._sync",
    ),
    Command(
        "sandbox",
        "run the local Lean sandbox (mTLS + OAuth) for tests and demos",
        "lean_connector.cli._sandbox",
    ),
]


class _Parser(argparse.ArgumentParser):
    """argparse, minus echoing stray arguments back: one may be a secret typed by mistake
    (``secrets put FIELD <value>``), and the usage error goes to a terminal or a CI log."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments:"):
            message = "unrecognized arguments (not shown, in case one is a secret)"
        super().error(message)


# `--spec` on each subcommand too; SUPPRESS keeps an absent one from erasing the global one.
SPEC_OPTION = _Parser(add_help=False)
SPEC_OPTION.add_argument(
    "--spec",
    metavar="FILE",
    default=argparse.SUPPRESS,
    help="YAML spec file (default: $LEAN_CONNECTOR_SPEC, then LEAN_* env alone)",
)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for every command in :data:`COMMANDS`."""
    from lean_connector._version import __version__

    parser = _Parser(
        prog="lean-connector",
        description="Call the Lean Technologies API from one declarative spec.",
        epilog="exit codes: 0 ok, 1 call or check failed, 2 spec or command line wrong",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--spec", metavar="FILE", default=None, help=SPEC_OPTION._actions[0].help)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        sub = commands.add_parser(command.name, help=command.help, parents=[SPEC_OPTION])
        command.add_arguments(sub)
        sub.set_defaults(command_module=command.module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``lean-connector`` and ``python -m lean_connector``; returns the exit code."""
    args = build_parser().parse_args(argv)  # usage errors exit 2 here
    try:
        code: int = importlib.import_module(args.command_module).run(args)
        return code
    except ConnectorError as exc:
        _report(exc, f"error: {exc}")
        return EXIT_USAGE if isinstance(exc, USAGE_ERRORS) else EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # The text of an unexpected exception may carry anything, secrets included.
        _report(exc, f"error: internal error ({type(exc).__name__}); rerun with {DEBUG_ENV}=1")
        return EXIT_FAILED


def _report(exc: BaseException, line: str) -> None:
    if os.environ.get(DEBUG_ENV) == "1":
        import traceback

        from lean_connector.logs import redact_text

        # Unexpected exception text can carry anything: the traceback is redacted like logs.
        sys.stderr.write(redact_text("".join(traceback.format_exception(exc))))
    print(" ".join(line.split()), file=sys.stderr)

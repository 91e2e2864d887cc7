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
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from lean_connector.cli._common import (
    EXIT_FAILED,
    EXIT_USAGE,
    USAGE_ERRORS,
    configure_cli_logging,
)
from lean_connector.errors import ConnectorError

__all__ = [
    "COMMANDS",
    "COMMAND_OPTIONS",
    "LOG_OPTIONS",
    "Command",
    "add_action",
    "build_parser",
    "main",
]

DEBUG_ENV = "LEAN_CONNECTOR_DEBUG"


@dataclass(frozen=True)
class Command:
    """One subcommand, implemented by ``module`` (``add_arguments`` and ``run``).

    ``help`` is its line in ``lean-connector --help``; ``description`` and ``examples``
    make its own ``--help``. A command with ``uses_spec=False`` offers no ``--spec`` and
    refuses one given before it, rather than ignoring it.
    """

    name: str
    help: str
    module: str
    description: str
    examples: tuple[str, ...]
    uses_spec: bool = True

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        importlib.import_module(self.module).add_arguments(parser)

    def epilog(self) -> str:
        return _examples(self.examples)


def _examples(examples: tuple[str, ...]) -> str:
    return "examples:\n" + "\n".join(f"  {example}" for example in examples)


COMMANDS: list[Command] = [
    Command(
        "validate",
        "check the spec and print it (secrets as references)",
        "lean_connector.cli._validate",
        description=(
            "Load the spec (file, LEAN_* environment, defaults), check every rule and print "
            "the effective spec as JSON: secret fields show their references, literals are "
            "redacted. Nothing is resolved and nothing is sent to Lean."
        ),
        examples=(
            "lean-connector validate --spec lean.yaml",
            "LEAN_AUTH__MODE=oauth lean-connector validate --spec lean.yaml",
        ),
    ),
    Command(
        "schema",
        "print the JSON Schema of the spec",
        "lean_connector.cli._schema",
        description=(
            "Print the JSON Schema of the spec file, for editors (yaml-language-server) and "
            "CI checks. It describes every spec, so it takes none."
        ),
        examples=("lean-connector schema > lean-connector-spec.schema.json",),
        uses_spec=False,
    ),
    Command(
        "secrets",
        "secret references: `secrets check`, `secrets put`",
        "lean_connector.cli._secrets",
        description=(
            "check: resolve every secret reference of the spec and show its source, version "
            "and length, never its value. put: store a value, read from a file or stdin, "
            "into the aws-sm:// secret a spec field names."
        ),
        examples=(
            "lean-connector secrets check --spec lean.yaml --format table",
            "lean-connector secrets put mtls.private_key --from-file key.pem --spec lean.yaml",
        ),
    ),
    Command(
        "doctor",
        "check secrets, certificate, TLS, token and one API call",
        "lean_connector.cli._doctor",
        description=(
            "Check the spec end to end, in order: secrets resolve, the client certificate "
            "and key, a TLS handshake with the API host, a token (OAuth) and GET /banks/v1/. "
            "Each failed check says what to fix; exit 1 when one fails."
        ),
        examples=("lean-connector doctor --spec lean.yaml", "lean-connector doctor --format json"),
    ),
    Command(
        "token",
        "get an api or customer token (value only with --show)",
        "lean_connector.cli._token",
        description=(
            "Get an api-scope (or customer-scope) token from Lean's OAuth endpoint and print "
            "its scope and expiry; the token itself only with --show (it is a credential)."
        ),
        examples=(
            "lean-connector token --spec lean.yaml",
            "lean-connector token --customer 6f1c0c1e-... --show",
        ),
    ),
    Command(
        "request",
        "send one API call: request METHOD PATH [--data JSON]",
        "lean_connector.cli._request",
        description=(
            "Send one authenticated call to Lean's API, with the connector's retries, and "
            "print the JSON answer. A Lean error exits 1 with Lean's status code and "
            "correlation id."
        ),
        examples=(
            "lean-connector request GET /banks/v1/",
            "lean-connector request GET /data/v2/accounts --param entity_id=...",
            'lean-connector request POST /customers/v1/ --data \'{"app_user_id": "u-1"}\'',
        ),
    ),
    Command(
        "link-session",
        "print the LinkSDK connect() config for an end user",
        "lean_connector.cli._link_session",
        description=(
            "Get or create the Lean customer for an end user of yours and print the "
            "LinkSDK connect() configuration (customer id, a customer-scoped token, "
            "permissions) to open the Link flow with."
        ),
        examples=(
            "lean-connector link-session --app-user-id user-42",
            "lean-connector link-session --app-user-id user-42 --permission identity "
            "--permission accounts --bank-identifier LEANMB1",
        ),
    ),
    Command(
        "sync",
        "fetch accounts, balances and transactions to JSON Lines (dir or s3://)",
        "lean_connector.cli._sync",
        description=(
            "Fetch accounts, balances and transactions of every entity (or of the customers "
            "given) into JSON Lines under OUTPUT/<run_id>/, with a manifest. A terminal "
            "shows a progress bar; the summary is printed as JSON. `sync plan` and "
            "`sync status` spread a run over a fleet of workers through SQS."
        ),
        examples=(
            "lean-connector sync --output ./out --days 7",
            "lean-connector sync --output s3://my-bucket/lean --customer 6f1c0c1e-...",
            "lean-connector sync --output ./out --run-id 20260105T101500Z-ab12cd  # resume",
        ),
    ),
    Command(
        "sandbox",
        "run the local Lean sandbox (mTLS + OAuth) for tests and demos",
        "lean_connector.cli._sandbox",
        description=(
            "Run a local stand-in for Lean's API (an mTLS listener, a plain HTTPS one and an "
            "OAuth token endpoint) until interrupted. Writes test certificates and ready "
            "specs (mtls, oauth, app-token) into --out and prints their paths as JSON; it "
            "makes its own specs, so it takes none."
        ),
        examples=(
            "lean-connector sandbox --out ./sandbox",
            "lean-connector sandbox --out ./sandbox --customers 20 --entities 2",
        ),
        uses_spec=False,
    ),
]


class _Parser(argparse.ArgumentParser):
    """argparse, minus echoing stray arguments back: one may be a secret typed by mistake
    (``secrets put FIELD <value>``), and the usage error goes to a terminal or a CI log."""

    def error(self, message: str) -> NoReturn:
        super().error(_without_typed_values(message))


_NOT_SHOWN = "not shown, in case it is a secret"
# argparse's own messages that quote what was typed: a choice, a value of the wrong type,
# a mistyped option. The valid choices are kept: they are what the user needs to see.
_INVALID_CHOICE = re.compile(
    r"(?P<head>.*?)invalid choice: .*? \(choose from (?P<choices>.*)\)$", re.S
)
_INVALID_VALUE = re.compile(r"(?P<head>.*?)invalid (?P<type>[\w.]+) value: .*$", re.S)
_AMBIGUOUS = re.compile(r"ambiguous option: .*? could match (?P<matches>.*)$", re.S)


def _without_typed_values(message: str) -> str:
    """``message`` with any argument value the user typed left out."""
    if message.startswith("unrecognized arguments:"):
        return "unrecognized arguments (not shown, in case one is a secret)"
    choice = _INVALID_CHOICE.fullmatch(message)
    if choice:
        return f"{choice['head']}invalid choice ({_NOT_SHOWN}): choose from {choice['choices']}"
    value = _INVALID_VALUE.fullmatch(message)
    if value:
        return f"{value['head']}invalid {value['type']} value ({_NOT_SHOWN})"
    ambiguous = _AMBIGUOUS.fullmatch(message)
    if ambiguous:
        return f"ambiguous option ({_NOT_SHOWN}): it could match {ambiguous['matches']}"
    return message


_SPEC_HELP = "YAML spec file (default: $LEAN_CONNECTOR_SPEC, then LEAN_* env alone)"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(text: str) -> str:
    return text.upper()


def _add_log_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="more log output: -v INFO, -vv DEBUG (default: WARNING on a terminal, else INFO)",
    )
    parser.add_argument(
        "--log-level",
        type=_log_level,
        choices=_LOG_LEVELS,
        default=default,
        metavar="LEVEL",
        help="log level: " + ", ".join(_LOG_LEVELS),
    )


# Options every command takes, also after its name. SUPPRESS keeps an absent one from
# erasing the same option given before the command.
LOG_OPTIONS = _Parser(add_help=False)
_add_log_options(LOG_OPTIONS, argparse.SUPPRESS)
COMMAND_OPTIONS = _Parser(add_help=False, parents=[LOG_OPTIONS])
COMMAND_OPTIONS.add_argument("--spec", metavar="FILE", default=argparse.SUPPRESS, help=_SPEC_HELP)
# A command that reads no spec hides --spec and refuses it by name, instead of ignoring it.
NO_SPEC_OPTIONS = _Parser(add_help=False, parents=[LOG_OPTIONS])
NO_SPEC_OPTIONS.add_argument("--spec", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def add_action(
    actions: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    *,
    help: str,
    description: str,
    examples: tuple[str, ...],
) -> argparse.ArgumentParser:
    """A command's action (``secrets check``, ``sync plan``): like a command, its ``--help``
    has a description and examples, and it takes the options every command takes."""
    parser: argparse.ArgumentParser = actions.add_parser(
        name,
        help=help,
        description=description,
        epilog=_examples(examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[COMMAND_OPTIONS],
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for every command in :data:`COMMANDS`."""
    from lean_connector._version import __version__

    parser = _Parser(
        prog="lean-connector",
        description="Call the Lean Technologies API from one declarative spec.",
        epilog=(
            "exit codes: 0 ok, 1 call or check failed, 2 spec or command line wrong. "
            "Run `lean-connector COMMAND --help` for a command's options and examples."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--spec", metavar="FILE", default=None, help=_SPEC_HELP)
    _add_log_options(parser, None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        sub = commands.add_parser(
            command.name,
            help=command.help,
            description=command.description,
            epilog=command.epilog(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[COMMAND_OPTIONS if command.uses_spec else NO_SPEC_OPTIONS],
        )
        command.add_arguments(sub)
        sub.set_defaults(command_module=command.module, uses_spec=command.uses_spec)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``lean-connector`` and ``python -m lean_connector``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors exit 2 here
    if args.spec is not None and not args.uses_spec:
        parser.error(f"{args.command} does not read a spec: drop --spec")
    try:
        configure_cli_logging(args)
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

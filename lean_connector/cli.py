"""The ``lean-connector`` command.

Results go to stdout (JSON where it is data); logs and errors go to stderr. Exit codes:
0 success, 1 the call or check failed, 2 the spec or the command line is wrong.

Adding a command: write ``cmd_<name>(args) -> int`` (here, or in your own module) and add
one :class:`Command` row to :data:`COMMANDS`. Import heavy modules inside the function:
``lean-connector validate`` must not pay for boto3 or requests.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from lean_connector.errors import ConnectorError, InvalidRequestError, SpecError

if TYPE_CHECKING:
    from lean_connector.spec import LeanSpec

__all__ = [
    "COMMANDS",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "Command",
    "build_parser",
    "main",
    "print_json",
]

EXIT_OK = 0  # success
EXIT_FAILED = 1  # the call or check failed: Lean error, network, TLS, rejected credentials
EXIT_USAGE = 2  # the spec or the command line is wrong: fixing the input is the remedy
# Errors that mean "fix your input", not "the call failed". InvalidRequestError is raised
# only for bad arguments, before anything is sent to Lean.
_USAGE_ERRORS = (SpecError, InvalidRequestError)
DEBUG_ENV = "LEAN_CONNECTOR_DEBUG"

Handler = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Command:
    """One subcommand: ``handler`` is a function or a lazy ``"module:function"`` string."""

    name: str
    help: str
    handler: Handler | str | None
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None


def _load(spec_path: str | None) -> LeanSpec:
    from lean_connector.spec import load_spec

    return load_spec(spec_path)


def print_json(data: Any) -> None:
    """Write ``data`` to stdout as indented JSON: the result of a command."""
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def _configure_logging(spec: LeanSpec) -> None:
    """Logs to stderr, so stdout carries only the command's result."""
    from lean_connector.logs import configure_logging

    configure_logging(spec.logging.level, spec.logging.format, stream=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    """Print the effective spec, secrets shown as references (literals redacted)."""
    from lean_connector.spec import redacted_dump, resolve_endpoints

    spec = _load(args.spec)
    print_json(redacted_dump(spec))
    endpoints = resolve_endpoints(spec)
    token = f", token {endpoints.token_url}" if spec.auth.mode.value == "oauth" else ""
    print(
        f"spec ok: {spec.environment.value} {spec.region.value} {spec.auth.mode.value}; "
        f"api {endpoints.api}{token}",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of the spec."""
    from lean_connector.spec import spec_json_schema

    print_json(spec_json_schema())
    return EXIT_OK


def _display_reference(field: str, text: str) -> str:
    from lean_connector.spec import LITERAL_REDACTED, SECRET_FIELDS, is_reference

    if is_reference(text):
        return text
    return LITERAL_REDACTED if field in SECRET_FIELDS else "<literal>"


def cmd_secrets_check(args: argparse.Namespace) -> int:
    """Resolve every reference of the spec; print source, version and length, never values."""
    from lean_connector.errors import SecretError
    from lean_connector.secrets import SecretResolver
    from lean_connector.spec import secret_references

    spec = _load(args.spec)
    _configure_logging(spec)
    resolver = SecretResolver.from_spec(spec)
    rows: list[dict[str, Any]] = []
    for field, text in secret_references(spec).items():
        row: dict[str, Any] = {"field": field, "reference": _display_reference(field, text)}
        try:
            value = resolver.resolve(text, field=field)
        except SecretError as exc:
            row.update(ok=False, error=str(exc))
            print(f"error: {exc}", file=sys.stderr)  # names the field and reference
        else:
            row.update(ok=True, source=value.source, version_id=value.version_id, bytes=len(value))
        rows.append(row)
    if args.format == "table":
        _print_table(rows)
    else:
        print_json(rows)
    failed = sum(1 for row in rows if not row["ok"])
    if not rows:
        print("no secret references in this spec", file=sys.stderr)
    elif failed:
        print(f"secrets check: {failed} of {len(rows)} references failed", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def _print_table(rows: list[dict[str, Any]]) -> None:
    columns = ("field", "reference", "source", "version_id", "bytes", "error")
    cells = [[str(row.get(c) if row.get(c) is not None else "-") for c in columns] for row in rows]
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    for line in [list(columns), *cells]:
        sys.stdout.write("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())
        sys.stdout.write("\n")


def _add_secrets_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="secrets_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check", help="resolve every reference; show source, version, length", parents=[_SPEC]
    )
    check.add_argument("--format", choices=("json", "table"), default="json")
    check.set_defaults(handler=cmd_secrets_check)
    put = actions.add_parser(
        "put",
        help="store a value (from a file or stdin) into the aws-sm:// secret a field names",
        parents=[_SPEC],
    )
    _lazy_arguments("lean_connector.commands:add_secrets_put_arguments")(put)
    put.set_defaults(handler="lean_connector.commands:cmd_secrets_put")


def _lazy_arguments(target: str) -> Callable[[argparse.ArgumentParser], None]:
    """An add_arguments callable imported from ``"module:function"`` when the parser is built."""

    def add(parser: argparse.ArgumentParser) -> None:
        module_name, _, function_name = target.partition(":")
        getattr(importlib.import_module(module_name), function_name)(parser)

    return add


# The command table. Others add rows here (doctor, token, request, link-session, sync,
# sandbox); a string handler "module:function" is imported only when that command runs.
COMMANDS: list[Command] = [
    Command("validate", "check the spec and print it (secrets as references)", cmd_validate),
    Command("schema", "print the JSON Schema of the spec", cmd_schema),
    Command(
        "secrets",
        "secret references: `secrets check`, `secrets put`",
        "",
        _add_secrets_arguments,
    ),
    Command(
        "doctor",
        "check secrets, certificate, TLS, token and one API call",
        "lean_connector.commands:cmd_doctor",
        _lazy_arguments("lean_connector.commands:add_doctor_arguments"),
    ),
    Command(
        "token",
        "get an api or customer token (value only with --show)",
        "lean_connector.commands:cmd_token",
        _lazy_arguments("lean_connector.commands:add_token_arguments"),
    ),
    Command(
        "request",
        "send one API call: request METHOD PATH [--data JSON]",
        "lean_connector.commands:cmd_request",
        _lazy_arguments("lean_connector.commands:add_request_arguments"),
    ),
    Command(
        "link-session",
        "print the LinkSDK connect() config for an end user",
        "lean_connector.commands:cmd_link_session",
        _lazy_arguments("lean_connector.commands:add_link_session_arguments"),
    ),
    Command(
        "sync",
        "fetch accounts, balances and transactions to JSON Lines (dir or s3://)",
        "lean_connector.sync:cmd_sync",
        _lazy_arguments("lean_connector.sync:add_sync_arguments"),
    ),
    Command(
        "sandbox",
        "run the local Lean sandbox (mTLS + OAuth) for tests and demos",
        "lean_connector.commands:cmd_sandbox",
        _lazy_arguments("lean_connector.commands:add_sandbox_arguments"),
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
_SPEC = _Parser(add_help=False)
_SPEC.add_argument(
    "--spec",
    metavar="FILE",
    default=argparse.SUPPRESS,
    help="YAML spec file (default: $LEAN_CONNECTOR_SPEC, then LEAN_* env alone)",
)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for every command in :data:`COMMANDS`."""
    from lean_connector import __version__

    parser = _Parser(
        prog="lean-connector",
        description="Call the Lean Technologies API from one declarative spec.",
        epilog="exit codes: 0 ok, 1 call or check failed, 2 spec or command line wrong",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--spec", metavar="FILE", default=None, help=_SPEC._actions[0].help)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        sub = commands.add_parser(command.name, help=command.help, parents=[_SPEC])
        if command.add_arguments is not None:
            command.add_arguments(sub)
        if command.handler is not None:
            sub.set_defaults(handler=command.handler)
    return parser


def _resolve_handler(handler: Handler | str) -> Handler:
    if callable(handler):
        return handler
    module_name, _, function_name = handler.partition(":")
    function: Handler = getattr(importlib.import_module(module_name), function_name)
    return function


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``lean-connector`` and ``python -m lean_connector``; returns the exit code."""
    args = build_parser().parse_args(argv)  # usage errors exit 2 here
    try:
        return _resolve_handler(args.handler)(args)
    except ConnectorError as exc:
        _report(exc, f"error: {exc}")
        return EXIT_USAGE if isinstance(exc, _USAGE_ERRORS) else EXIT_FAILED
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

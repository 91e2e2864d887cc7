"""What every command shares: exit codes, printing results, loading the spec."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from lean_connector.errors import InvalidRequestError, SpecError

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector
    from lean_connector.spec import LeanSpec

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "USAGE_ERRORS",
    "configure_cli_logging",
    "connector_for",
    "load_spec_from",
    "print_json",
]

EXIT_OK = 0  # success
EXIT_FAILED = 1  # the call or check failed: Lean error, network, TLS, rejected credentials
EXIT_USAGE = 2  # the spec or the command line is wrong: fixing the input is the remedy
# Errors that mean "fix your input", not "the call failed". InvalidRequestError is raised
# only for bad arguments, before anything is sent to Lean.
USAGE_ERRORS = (SpecError, InvalidRequestError)


def print_json(data: Any) -> None:
    """Write ``data`` to stdout as indented JSON: the result of a command.

    Numbers Lean sent with a fraction are ``Decimal``: printed as the same digits."""
    from lean_connector.transport import dumps_json

    sys.stdout.write(dumps_json(data, indent=2) + "\n")


def _interactive() -> bool:
    """A person watches stderr: a terminal, and not a Lambda's log stream."""
    try:
        return sys.stderr.isatty() and not os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    except ValueError:  # closed stream
        return False


def configure_cli_logging(args: argparse.Namespace, spec: LeanSpec | None = None) -> None:
    """Print the command's logs to stderr: ``--log-level``/``-v`` first; else WARNING on a
    terminal, and elsewhere (pipes, CI, Lambda) the spec's ``logging.level`` or INFO.

    The handler goes on the root logger: the command is the application, so other
    libraries' warnings are formatted and redacted like the connector's events.
    """
    from lean_connector.logs import configure_logging

    level = getattr(args, "log_level", None)
    verbose = getattr(args, "verbose", None) or 0
    if level is None and verbose:
        level = "INFO" if verbose == 1 else "DEBUG"
    if level is None:
        level = "WARNING" if _interactive() else (spec and spec.logging.level_if_set) or "INFO"
    configure_logging(level, spec.logging.format if spec else "auto", logger="")


def load_spec_from(args: argparse.Namespace, *, configure_logs: bool = True) -> LeanSpec:
    """The spec named by ``--spec`` (else ``LEAN_CONNECTOR_SPEC``, else ``LEAN_*`` env alone).

    The command's logging then follows the spec's ``logging`` section where the command
    line does not decide (see :func:`configure_cli_logging`). The one way every command
    loads its spec.
    """
    from lean_connector.spec import load_spec

    spec = load_spec(getattr(args, "spec", None))
    if configure_logs:
        configure_cli_logging(args, spec)
    return spec


def connector_for(spec: LeanSpec) -> LeanConnector:
    """The connector a command uses: the same one a Lambda would build from this spec."""
    from lean_connector.client import LeanConnector

    return LeanConnector(spec)

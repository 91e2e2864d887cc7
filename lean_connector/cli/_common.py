"""What every command shares: exit codes, printing results, loading the spec."""

from __future__ import annotations

import argparse
import json
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
    """Write ``data`` to stdout as indented JSON: the result of a command."""
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def load_spec_from(args: argparse.Namespace, *, configure_logs: bool = False) -> LeanSpec:
    """The spec named by ``--spec`` (else ``LEAN_CONNECTOR_SPEC``, else ``LEAN_*`` env alone).

    With ``configure_logs``, logging is set up from the spec, to stderr, so stdout carries
    only the command's result. The one way every command loads its spec.
    """
    from lean_connector.spec import load_spec

    spec = load_spec(getattr(args, "spec", None))
    if configure_logs:
        from lean_connector.logs import configure_logging

        configure_logging(spec.logging.level, spec.logging.format, stream=sys.stderr)
    return spec


def connector_for(spec: LeanSpec) -> LeanConnector:
    """The connector a command uses: the same one a Lambda would build from this spec."""
    from lean_connector.client import LeanConnector

    return LeanConnector(spec)

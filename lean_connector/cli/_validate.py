"""``lean-connector validate``: check the spec and print it, secrets as references."""

from __future__ import annotations

import argparse
import sys

from lean_connector.cli._common import EXIT_OK, load_spec_from, print_json

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options: the spec comes from --spec or the environment."""


def run(args: argparse.Namespace) -> int:
    """Print the effective spec, secrets shown as references (literals redacted)."""
    from lean_connector.spec import redacted_dump, resolve_endpoints

    spec = load_spec_from(args)
    print_json(redacted_dump(spec))
    endpoints = resolve_endpoints(spec)
    token = f", token {endpoints.token_url}" if spec.auth.mode.value == "oauth" else ""
    print(
        f"spec ok: {spec.environment.value} {spec.region.value} {spec.auth.mode.value}; "
        f"api {endpoints.api}{token}",
        file=sys.stderr,
    )
    return EXIT_OK

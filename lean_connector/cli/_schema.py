"""``lean-connector schema``: print the JSON Schema of the spec."""

from __future__ import annotations

import argparse

from lean_connector.cli._common import EXIT_OK, print_json

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options."""


def run(args: argparse.Namespace) -> int:
    """Print the JSON Schema of the spec."""
    from lean_connector.spec import spec_json_schema

    print_json(spec_json_schema())
    return EXIT_OK

"""``lean-connector sandbox``: run the local Lean sandbox for tests and demos."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sandbox``: where to write the test PKI and specs."""
    parser.add_argument(
        "--out", required=True, type=Path, help="directory for the test PKI and ready specs"
    )


def run(args: argparse.Namespace) -> int:
    """Run the local Lean sandbox until interrupted (test certificates and specs in --out)."""
    from lean_connector.testing.sandbox import serve_forever_cli

    return serve_forever_cli(args.out)

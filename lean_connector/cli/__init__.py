"""The ``lean-connector`` command: one module per command, each with ``add_arguments`` and
``run``; ``_main`` holds the command table and the dispatch, ``_common`` what they share."""

from __future__ import annotations

from lean_connector.cli._common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, print_json
from lean_connector.cli._main import COMMANDS, Command, build_parser, main

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

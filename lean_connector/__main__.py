"""``python -m lean_connector``: the same as the ``lean-connector`` command."""

from __future__ import annotations

from lean_connector.cli import main

raise SystemExit(main())

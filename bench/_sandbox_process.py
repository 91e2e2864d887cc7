"""A Lean sandbox in a process of its own, for benchmarks that measure another process.

``python -m bench._sandbox_process SHAPE [SHAPE ...]`` where SHAPE is
``entities:accounts:transactions`` (one customer each) starts a sandbox, seeds the shapes,
prints one JSON line ``{"overrides": {...mtls spec overrides}, "entity_ids": [[...], ...]}``
and serves until its stdin closes.
"""

from __future__ import annotations

import json
import sys

from lean_connector.testing.sandbox import LeanSandbox


def main(argv: list[str]) -> int:
    with LeanSandbox() as sandbox:
        entity_ids = []
        for shape in argv:
            entities, accounts, transactions = (int(part) for part in shape.split(":"))
            seeded = sandbox.seed_customers(1, entities, accounts, transactions)
            entity_ids.append(list(seeded.entity_ids))
        print(
            json.dumps({"overrides": sandbox.spec_overrides("mtls"), "entity_ids": entity_ids}),
            flush=True,
        )
        sys.stdin.read()  # serve until the parent closes our stdin
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

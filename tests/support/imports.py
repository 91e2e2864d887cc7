"""What a fresh interpreter has imported: for the tests that keep cold starts lean."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Mapping

# Only the CLI, the schema, the sandbox, sync or webhooks need these; a @lean_handler
# function imports none of them.
ONLY_ELSEWHERE = (
    "lean_connector.cli",
    "lean_connector.testing",
    "lean_connector.sync",
    "lean_connector.webhooks",
    "lean_connector.aws_lambda._handlers",
    "lean_connector.aws_lambda._sync",
    "lean_connector.aws_lambda._webhook",
    "lean_connector.spec._yaml",
    "lean_connector.transport._cert_checks",
    "argparse",
    "dotenv",
    "jsonschema",
    "pydantic_settings",
    "yaml",
    "cryptography",
)


def modules_after(code: str, env: Mapping[str, str] | None = None) -> set[str]:
    """The module names loaded once ``code`` has run in a new interpreter (``env``: its
    environment, else this process's)."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        env=None if env is None else dict(env),
    )
    if result.returncode != 0:
        raise AssertionError(f"the code failed in a new interpreter:\n{result.stderr[-3000:]}")
    return set(json.loads(result.stdout.splitlines()[-1]))


def loaded(modules: set[str], names: Iterable[str]) -> list[str]:
    """The modules of ``names`` (packages with their submodules) found in ``modules``."""
    return sorted(m for m in modules for n in names if m == n or m.startswith(f"{n}."))

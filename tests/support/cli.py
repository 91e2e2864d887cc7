"""Run ``lean-connector`` as users do: a child process, the developer's LEAN_* env dropped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_PROXY_VARIABLES = {"HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"}


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    cwd: Path = ROOT,
    timeout_s: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m lean_connector ARGS``; LEAN_* and proxy variables of the shell are dropped,
    so only ``env`` configures the command."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith("LEAN_") and k.upper() not in _PROXY_VARIABLES
    }
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "lean_connector", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str], *, code: int = 2) -> str:
    """The single ``error: ...`` line a failed command printed (and nothing on stdout)."""
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]

"""``lean-connector sync`` on a real terminal (a pty): one bar line, no log lines, % and ETA.

The command runs as a child process whose stdout and stderr are the replica side of a
pseudo-terminal, as in an interactive shell; the test reads everything the terminal got.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import sys
import time
from pathlib import Path

import pytest

from lean_connector.testing.sandbox import LeanSandbox
from tests.support.cli import ROOT

pytestmark = pytest.mark.integration


def run_on_a_terminal(*args: str, env: dict[str, str], timeout_s: float = 120) -> tuple[int, str]:
    """Run ``python -m lean_connector ARGS`` on a pty; (exit code, what the terminal showed)."""
    pid, master = pty.fork()
    if pid == 0:  # the child: its stdin, stdout and stderr are the terminal
        os.execve(sys.executable, [sys.executable, "-m", "lean_connector", *args], env)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        else:
            os.kill(pid, 9)
            pytest.fail(f"the command did not finish within {timeout_s} s")
    finally:
        os.close(master)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode()


def _env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("LEAN_", "AWS_LAMBDA")) and "PROXY" not in k.upper()
    }
    env.update(PYTHONPATH=str(ROOT), TERM="xterm", COLUMNS="100", LINES="40")
    return env


def test_sync_on_a_terminal_shows_one_bar_line_with_percentage_and_eta_and_no_log_lines(
    lean_sandbox: LeanSandbox, tmp_path: Path
) -> None:
    seeded = lean_sandbox.seed_customers(6, 2, 1, 3)  # 12 entities, listed up front
    lean_sandbox.faults.latency_s = 0.02  # enough for the bar to redraw along the way
    spec = lean_sandbox.write_bundle(tmp_path / "bundle")["spec-oauth"]
    customers = [arg for c in seeded.customer_ids for arg in ("--customer", c)]
    code, screen = run_on_a_terminal(
        "sync", "--spec", str(spec), "--output", str(tmp_path / "out"), "--days", "3",
        "--workers", "3", *customers, env=_env(),
    )  # fmt: skip
    assert code == 0, screen
    # The terminal turns "\n" into "\r\n"; a bar redraw is a lone "\r".
    lines = screen.replace("\r\n", "\n").split("\n")
    summary_at = next(i for i, line in enumerate(lines) if line.startswith("{"))
    before = [line for line in lines[:summary_at] if line.strip()]
    bar_lines = [line for line in before if "%|" in line]
    assert len(bar_lines) == 1, screen
    others = [line for line in before if line not in bar_lines]
    assert len(others) == 1, screen  # and it is not a log line:
    assert others[0].startswith(f"lean-connector sync: output in {tmp_path / 'out'}/"), screen
    for log_mark in ("http.request", '"event"', "[info", "[warning"):
        assert log_mark not in screen
    redraws = [r for r in bar_lines[0].split("\r") if r.strip()]
    assert len(redraws) >= 2, bar_lines
    assert all(re.search(r"sync: +\d+%\|", r) and "/12 [" in r for r in redraws), redraws
    assert any(re.search(r"<\d\d:\d\d, ", r) for r in redraws), redraws  # an ETA
    assert redraws[-1].startswith("sync: 100%|")
    assert " 12/12 [" in redraws[-1]
    summary = json.loads("\n".join(lines[summary_at:]))
    assert summary["entities_ok"] == 12


def test_sync_on_a_terminal_prints_a_warning_above_the_bar_not_through_it(
    lean_sandbox: LeanSandbox, tmp_path: Path
) -> None:
    seeded = lean_sandbox.seed_customers(2, 2, 1, 2)
    lean_sandbox.faults.fail_entity(seeded.entity_ids[1])
    spec = lean_sandbox.write_bundle(tmp_path / "bundle")["spec-oauth"]
    customers = [arg for c in seeded.customer_ids for arg in ("--customer", c)]
    code, screen = run_on_a_terminal(
        "sync", "--spec", str(spec), "--output", str(tmp_path / "out"), "--days", "3",
        "--workers", "1", *customers, env=_env(),
    )  # fmt: skip
    assert code == 1, screen
    lines = [line for line in screen.replace("\r\n", "\n").split("\n") if line.strip()]
    warning = [line for line in lines if "sync.entity_failed" in line]
    assert len(warning) == 1, screen
    # tqdm clears the bar, prints the line, redraws the bar: the warning line itself
    # carries no bar, and the bar ends its line with the failure count.
    assert "%|" not in warning[0].split("\r")[-1]
    final = [line for line in lines if "sync: 100%|" in line][-1].split("\r")[-1]
    assert final.endswith(", 1 failed"), final

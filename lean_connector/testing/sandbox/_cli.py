"""``lean-connector sandbox --out DIR``: a sandbox served until SIGINT/SIGTERM."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from lean_connector.testing.sandbox._bundle import AUTH_MODES, symlink_refused
from lean_connector.testing.sandbox._sandbox import LeanSandbox

__all__ = ["serve_forever_cli"]


def serve_forever_cli(
    out_dir: Path,
    *,
    host: str = "127.0.0.1",
    prepare: Callable[[LeanSandbox], dict[str, Any]] | None = None,
) -> int:
    """Run a sandbox for ``lean-connector sandbox --out DIR`` until SIGINT/SIGTERM.

    Writes the bundle into ``out_dir``, prints the URLs and file paths as one JSON line on
    stdout (no secret values), and removes the files it wrote on the way out. Returns 0.
    ``prepare(sandbox)`` runs first (seeding data, arming faults); what it returns is added
    to the printed line.
    """
    stopping = threading.Event()
    previous: dict[signal.Signals, Any] = {}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, on_signal)
    if Path(out_dir).is_symlink():
        raise symlink_refused(Path(out_dir))
    created = not Path(out_dir).exists()
    try:
        with LeanSandbox(host=host) as sandbox:
            prepared = prepare(sandbox) if prepare is not None else {}
            written = sandbox.write_bundle(out_dir)
            try:
                summary = {
                    "mtls_url": sandbox.mtls_url,
                    "api_url": sandbox.api_url,
                    "auth_url": sandbox.auth_url,
                    "token_url": sandbox.token_url,
                    "specs": {m: str(written[f"spec-{m.replace('_', '-')}"]) for m in AUTH_MODES},
                    "files": {name: str(path) for name, path in written.items()},
                    **prepared,
                }
                print(json.dumps(summary), flush=True)
                while not stopping.wait(0.5):
                    pass
            finally:
                for path in written.values():
                    path.unlink(missing_ok=True)
                if created:
                    with contextlib.suppress(OSError):
                        Path(out_dir).rmdir()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0

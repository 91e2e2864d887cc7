"""Spawns the measured programs, so their peak memory is theirs alone.

Run as ``python -S spawner.py``; reads one JSON request a line on stdin (``argv``, ``env``)
and answers one JSON line: ``wall_ms`` from spawn to reap, ``maxrss_kib`` (the child's
``ru_maxrss`` from ``wait4``), ``cpu_ms`` (its user + system CPU time), ``status`` and the
tail of its output. Why a process of its own: Linux counts the spawning process's
resident set at exec time into the child's
``ru_maxrss`` (posix_spawn and vfork share the parent's memory until exec), so children
are spawned from this small process (about the interpreter's own size, below every
measured program) rather than from the benchmark, which holds far more.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def _spawn(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    output = os.memfd_create("bench-coldstart-output")
    try:
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, output, 1),
            (os.POSIX_SPAWN_DUP2, output, 2),
        ]
        started = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        _pid, status, usage = os.wait4(pid, 0)
        wall_ms = (time.perf_counter() - started) * 1000.0
        size = os.lseek(output, 0, os.SEEK_END)
        os.lseek(output, max(0, size - 4000), os.SEEK_SET)
        text = os.read(output, 4000).decode("utf-8", "replace")
    finally:
        os.close(output)
    return {
        "wall_ms": wall_ms,
        "maxrss_kib": usage.ru_maxrss,
        "cpu_ms": (usage.ru_utime + usage.ru_stime) * 1000.0,
        "status": os.waitstatus_to_exitcode(status),
        "output_tail": text,
    }


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(_spawn(request["argv"], request["env"])), flush=True)


if __name__ == "__main__":
    main()

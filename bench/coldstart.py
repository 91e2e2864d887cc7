"""Lambda cold start: the connector against the hand-written minimum, each a whole new process.

Four programs in ``bench/_coldstart/``, one ``GET /banks/v1/`` each against the same local
sandbox and moto_server (both in processes of their own for the whole run):

- ``connector_handler.py``: ``@lean_handler`` + ``get_connector()``, the spec from ``LEAN_*``
  env with ``aws-sm://`` references, run once per auth mode (mtls, oauth);
- ``handwritten_mtls.py``: boto3 ``GetSecretValue`` once, the PEMs to a temp directory,
  ``requests.get(cert=..., verify=...)``;
- ``handwritten_oauth.py``: ``GetSecretValue`` once, the token form POSTed with requests,
  then the GET with the bearer token.

Each mode's secrets are one JSON secret, so both sides make one GetSecretValue call.

Every run is a new interpreter (``python -S`` over a Lambda-like ``sys.path``: the project
and its runtime dependencies only, symlinked from this venv, as ``scripts/package_lambda.py``
would ship them; the dev tools in the venv, such as rich, would otherwise be imported by
structlog and bill the connector for what a Lambda does not have). The four programs run in
interleaved rounds, order rotated each round, so load from other processes on the machine
hits them alike. Wall time is measured from spawn to reap; peak memory is the child's
``ru_maxrss`` from ``wait4``, spawned from a small process of its own (Linux bills the
spawning process's size into an exec'd child's ``ru_maxrss``). The figure per program is
the median over rounds.

Bar (issue 13): in mtls mode, connector / hand-written <= 1.4 in wall time and in peak
memory (``bar_met``); the oauth pair is reported beside it.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from lean_connector import __version__

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS_DIR = Path(__file__).resolve().parent / "_coldstart"
ROUNDS = int(os.environ.get("BENCH_COLDSTART_ROUNDS", "20"))
WARMUP_ROUNDS = 2
REGION = "me-central-1"
BAR_RATIO = 1.4
MODES = ("mtls", "oauth")
METRICS = ("wall_ms", "peak_rss_mib", "cpu_ms")
BAR_METRICS = ("wall_ms", "peak_rss_mib")  # CPU time is reported: it moves less with load
PROGRAMS = {
    ("connector", "mtls"): "connector_handler.py",
    ("handwritten", "mtls"): "handwritten_mtls.py",
    ("connector", "oauth"): "connector_handler.py",
    ("handwritten", "oauth"): "handwritten_oauth.py",
}


# -- a Lambda-like sys.path ---------------------------------------------------------------------


def _runtime_distributions(name: str = "lean-connector") -> set[str]:
    """``name``'s run-time dependencies, transitively, extras it asks for included."""
    found: set[str] = set()
    pending: list[tuple[str, frozenset[str]]] = [(name, frozenset())]
    while pending:
        dist_name, extras = pending.pop()
        dist = metadata.distribution(dist_name)
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is not None and not any(
                req.marker.evaluate({"extra": extra}) for extra in extras or {""}
            ):
                continue
            key = req.name.lower().replace("_", "-")
            if key not in found:
                found.add(key)
                pending.append((req.name, frozenset(req.extras)))
    return found


@contextmanager
def lambda_site() -> Iterator[Path]:
    """A directory holding the project and its runtime dependencies (symlinks), nothing else."""
    with tempfile.TemporaryDirectory(prefix="bench-coldstart-site-") as directory:
        site = Path(directory)
        (site / "lean_connector").symlink_to(ROOT / "lean_connector")
        for name in sorted(_runtime_distributions()):
            dist = metadata.distribution(name)
            for file in dist.files or []:
                top = file.parts[0]
                if top in {"..", "__pycache__"} or top.endswith(".pth"):
                    continue
                link = site / top
                if not link.exists() and not link.is_symlink():
                    link.symlink_to(Path(str(dist.locate_file(top))))
        yield site


# -- the servers --------------------------------------------------------------------------------


@contextmanager
def servers() -> Iterator[dict[str, Any]]:
    """moto_server and the sandbox (secrets stored), each in its own process."""
    sys.path.insert(0, str(ROOT))  # tests.support is a dev-only helper, not in the package
    from tests.support.moto_process import MotoProcess

    moto = MotoProcess().start()
    try:
        sandbox = subprocess.Popen(
            [sys.executable, str(PROGRAMS_DIR / "serve_sandbox.py"), moto.endpoint_url, REGION],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, **_aws_env()},
            text=True,
        )
        try:
            assert sandbox.stdout is not None
            line = sandbox.stdout.readline()
            if not line:
                raise RuntimeError(f"bench/coldstart: the sandbox exited ({sandbox.wait()})")
            yield json.loads(line)
        finally:
            assert sandbox.stdin is not None
            sandbox.stdin.close()
            try:
                sandbox.wait(timeout=30)
            except subprocess.TimeoutExpired:
                sandbox.kill()
                sandbox.wait()
    finally:
        moto.stop()


def _aws_env() -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
    }


# -- one cold run -------------------------------------------------------------------------------


def _child_env(site: Path, description: dict[str, Any], side: str, mode: str) -> dict[str, str]:
    env = {
        name: os.environ[name]
        for name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
        if name in os.environ
    }
    env.update(_aws_env())
    env.update(description["common_env"])
    env.update(description[mode][f"{side}_env"])
    env["PYTHONPATH"] = str(site)
    # What the Lambda runtime sets; the connector emits its certificate metric only there.
    env["AWS_LAMBDA_FUNCTION_NAME"] = "bench-coldstart"
    return env


class Spawner:
    """The small process that spawns each cold run (see ``_coldstart/spawner.py`` for why)."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-S", str(PROGRAMS_DIR / "spawner.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={"PATH": os.environ.get("PATH", "")},
            text=True,
        )

    def cold_run(self, argv: list[str], env: dict[str, str]) -> tuple[float, int, float]:
        """Run ``argv`` as a new process: wall ms from spawn to reap, peak RSS in KiB, CPU ms."""
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(json.dumps({"argv": argv, "env": env}) + "\n")
        self._process.stdin.flush()
        answer = json.loads(self._process.stdout.readline())
        if answer["status"] != 0 or "ok " not in answer["output_tail"]:
            raise RuntimeError(
                f"bench/coldstart: {' '.join(argv)} failed ({answer['status']}):\n"
                f"{answer['output_tail']}"
            )
        return float(answer["wall_ms"]), int(answer["maxrss_kib"]), float(answer["cpu_ms"])

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)


# -- the benchmark ------------------------------------------------------------------------------


def _measure(
    spawner: Spawner, site: Path, description: dict[str, Any]
) -> dict[str, dict[str, list[float]]]:
    python = [sys.executable, "-S"]
    commands = {
        key: ([*python, str(PROGRAMS_DIR / program)], _child_env(site, description, *key))
        for key, program in PROGRAMS.items()
    }
    commands[("interpreter", "none")] = ([*python, "-c", "print('ok ')"], _child_env_bare(site))
    names = list(commands)
    for _ in range(WARMUP_ROUNDS):  # page cache, .pyc files; untimed
        for name in names:
            spawner.cold_run(*commands[name])
    samples: dict[str, dict[str, list[float]]] = {
        _label(name): {"wall_ms": [], "peak_rss_mib": [], "cpu_ms": [], "load_1m": []}
        for name in names
    }
    for number in range(ROUNDS):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            wall_ms, rss_kib, cpu_ms = spawner.cold_run(*commands[name])
            entry = samples[_label(name)]
            entry["wall_ms"].append(wall_ms)
            entry["peak_rss_mib"].append(rss_kib / 1024.0)
            entry["cpu_ms"].append(cpu_ms)
            entry["load_1m"].append(os.getloadavg()[0])
    return samples


def _child_env_bare(site: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(site)}


def _label(key: tuple[str, str]) -> str:
    side, mode = key
    return side if mode == "none" else f"{side}_{mode}"


def run(results_dir: Path) -> dict[str, Any]:
    """Measure, write ``coldstart.json`` and ``coldstart.md`` into ``results_dir``."""
    load_before = os.getloadavg()
    with lambda_site() as site, servers() as description:
        spawner = Spawner()
        try:
            samples = _measure(spawner, site, description)
        finally:
            spawner.close()
    load_after = os.getloadavg()

    median = {
        label: {metric: round(statistics.median(values[metric]), 1) for metric in METRICS}
        for label, values in samples.items()
    }
    ratios = {
        mode: {
            metric: round(
                median[f"connector_{mode}"][metric] / median[f"handwritten_{mode}"][metric], 3
            )
            for metric in METRICS
        }
        for mode in MODES
    }
    met = {mode: all(ratios[mode][metric] <= BAR_RATIO for metric in BAR_METRICS) for mode in MODES}
    all_load = [load for values in samples.values() for load in values["load_1m"]]
    result: dict[str, Any] = {
        "benchmark": "coldstart",
        "lean_connector_version": __version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "rounds": ROUNDS,
        "warmup_rounds": WARMUP_ROUNDS,
        "load_1m": {
            "before": round(load_before[0], 2),
            "after": round(load_after[0], 2),
            "median_during": round(statistics.median(all_load), 2),
            "max_during": round(max(all_load), 2),
        },
        "median": median,
        "ratio_connector_over_handwritten": ratios,
        "bar_ratio_max": BAR_RATIO,
        "bar_met_by_mode": met,
        "samples": {
            label: {metric: [round(v, 1) for v in values[metric]] for metric in METRICS}
            for label, values in samples.items()
        },
        "bar_met": met["mtls"],
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "coldstart.json").write_text(json.dumps(result, indent=2) + "\n")
    (results_dir / "coldstart.md").write_text(_markdown(result))
    return result


def _markdown(result: dict[str, Any]) -> str:
    """A short human summary of ``result`` (the JSON beside it has every run)."""
    median = result["median"]
    ratios = result["ratio_connector_over_handwritten"]
    load = result["load_1m"]
    rows = [
        ("mtls", "connector: `@lean_handler` + `get_connector()`", "connector_mtls"),
        ("mtls", "hand-written: GetSecretValue, PEMs to files, `requests.get`", "handwritten_mtls"),
        ("oauth", "connector: `@lean_handler` + `get_connector()`", "connector_oauth"),
        ("oauth", "hand-written: GetSecretValue, token POST, GET with bearer", "handwritten_oauth"),
        ("-", "`python -S -c pass` (the interpreter alone)", "interpreter"),
    ]
    lines = [
        "# bench/coldstart",
        "",
        "One `GET /banks/v1/` as a whole new process (a Lambda cold start), the spec's secrets "
        "in moto_server's Secrets Manager, against the local sandbox; both servers in processes "
        f"of their own. {result['rounds']} interleaved rounds (after {result['warmup_rounds']} "
        f"untimed), median per program; Python {result['python']} on {result['machine']}, "
        f"{result['cpus']} CPUs, 1-minute load {load['before']} before, {load['median_during']} "
        f"median during (max {load['max_during']}), {load['after']} after.",
        "",
        "| mode | program | wall (median) | peak RSS (median) | CPU (median) |",
        "|---|---|---:|---:|---:|",
        *(
            f"| {mode} | {name} | {median[key]['wall_ms']:.0f} ms | "
            f"{median[key]['peak_rss_mib']:.1f} MiB | {median[key]['cpu_ms']:.0f} ms |"
            for mode, name, key in rows
        ),
        "",
        "| mode | connector / hand-written: wall | peak RSS | CPU | bar (wall and RSS <= "
        f"{result['bar_ratio_max']}) |",
        "|---|---:|---:|---:|---|",
        *(
            f"| {mode} | **{ratios[mode]['wall_ms']}** | **{ratios[mode]['peak_rss_mib']}** | "
            f"{ratios[mode]['cpu_ms']} | "
            f"{'met' if result['bar_met_by_mode'][mode] else 'MISSED'} |"
            for mode in MODES
        ),
        "",
        f"Bar (mtls): {'met' if result['bar_met'] else 'MISSED'}.",
        "",
    ]
    return "\n".join(lines)

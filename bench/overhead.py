"""Connector overhead over mTLS against the local sandbox, against two baselines in the same run.

- ``connector``: ``LeanConnector.request("GET", "/banks/v1/")`` (credential, retry policy,
  error mapping, the per-request log event, pooled mTLS session), measured with logging at
  WARNING and again at INFO into a file (what users run: one ``http.request`` line per call);
- ``bare``: a ``requests.Session`` with the same certificate, key and CA, keep-alive;
- ``per_call``: Lean's own Python sample style, ``requests.get(..., cert=...)`` per call
  (a new TLS handshake every time).

The keep-alive variants run in interleaved rounds (order rotated each round) so machine drift
hits them alike; the per-call style runs its rounds after them, so its churn of connections
does not tax the others. The figure per variant is the median of its per-round ms/call.

Goal: connector (WARNING) / bare <= 1.15, and after 2,000 sequential calls the
sandbox counts 1 TLS handshake (one pooled connection) and, in oauth mode, 1 token request.
``bar_met`` is False when either is missed, which makes ``python -m bench`` fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import requests

from lean_connector import __version__
from lean_connector.client import LeanConnector
from lean_connector.logs import configure_logging
from lean_connector.testing.sandbox import LeanSandbox

CALLS = int(os.environ.get("BENCH_OVERHEAD_CALLS", "2000"))  # per keep-alive variant
ROUNDS = int(os.environ.get("BENCH_OVERHEAD_ROUNDS", "10"))
PER_CALL_CALLS = int(os.environ.get("BENCH_PER_CALL_CALLS", "300"))  # a handshake each: slow
RATIO_BAR = 1.15
PATH = "/banks/v1/"


@contextlib.contextmanager
def _pem_paths(**pems: bytes) -> Iterator[dict[str, str]]:
    """Paths requests can open for ``cert=``/``verify=``, without leaving key files on disk.

    memfd files under /proc/self/fd where the OS has them, else 0600 files in a 0700 temp
    dir that is removed afterwards.
    """
    if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        fds = {name: os.memfd_create(f"bench-{name}", os.MFD_CLOEXEC) for name in pems}
        try:
            for name, data in pems.items():
                os.write(fds[name], data)
            yield {name: f"/proc/self/fd/{fd}" for name, fd in fds.items()}
        finally:
            for fd in fds.values():
                os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as directory:
        paths = {}
        for name, data in pems.items():
            path = Path(directory, f"{name}.pem")
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            paths[name] = str(path)
        yield paths


def _ms_per_call(fn: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls * 1000.0


def _sequential_counters(sandbox: LeanSandbox, mode: str) -> dict[str, Any]:
    """A fresh connector, counters zeroed, ``CALLS`` sequential GETs: what the sandbox saw."""
    sandbox.reset()
    with LeanConnector.from_spec(
        **sandbox.spec_overrides(mode), logging={"level": "WARNING"}
    ) as connector:
        for _ in range(CALLS):
            connector.request("GET", PATH)
        client_handshakes = connector.transport.handshakes
    counters = sandbox.counters
    return {
        "mode": mode,
        "calls": counters.calls[("GET", PATH)],
        "tls_handshakes_by_listener": dict(counters.handshakes),
        "tls_handshake_failures": dict(counters.handshake_failures),
        "client_side_new_connections": client_handshakes,
        "token_requests_by_scope": dict(counters.token_requests),
    }


def _counters_bar_met(mtls: dict[str, Any], oauth: dict[str, Any]) -> bool:
    return bool(
        mtls["calls"] == CALLS
        and mtls["tls_handshakes_by_listener"] == {"mtls": 1}
        and mtls["token_requests_by_scope"] == {}
        and oauth["calls"] == CALLS
        and oauth["tls_handshakes_by_listener"] == {"api": 1}
        and oauth["token_requests_by_scope"] == {"api": 1}
    )


def _measure(sandbox: LeanSandbox, log_sink: IO[str]) -> dict[str, list[float]]:
    """Interleaved rounds of every variant; ms/call of each round, by variant."""
    bundle = sandbox.bundle
    url = sandbox.mtls_url + PATH
    headers = {"lean-app-token": sandbox.app_token}
    connector = LeanConnector.from_spec(**sandbox.spec_overrides("mtls"))
    with (
        connector,
        _pem_paths(
            cert=bundle.client_cert_with_chain_pem,
            key=bundle.client.key_pem,
            ca=bundle.ca_chain_pem,
        ) as paths,
        requests.Session() as bare,
    ):
        bare.cert = (paths["cert"], paths["key"])
        # verify= goes with each call: requests lets REQUESTS_CA_BUNDLE (set on many
        # machines) override a Session's own .verify, while a per-call argument wins.

        def via_connector() -> object:
            return connector.request("GET", PATH)

        def via_bare() -> object:
            response = bare.get(url, headers=headers, verify=paths["ca"], timeout=30)
            response.raise_for_status()
            return response.json()

        def per_call() -> object:
            response = requests.get(
                url,
                headers=headers,
                cert=(paths["cert"], paths["key"]),
                verify=paths["ca"],
                timeout=30,
            )
            response.raise_for_status()
            return response.json()

        def connector_warning() -> float:
            configure_logging("WARNING", "json")
            return _ms_per_call(via_connector, CALLS // ROUNDS)

        def connector_info_file() -> float:
            configure_logging("INFO", "json", stream=log_sink)
            try:
                return _ms_per_call(via_connector, CALLS // ROUNDS)
            finally:
                configure_logging("WARNING", "json")

        keep_alive: dict[str, Callable[[], float]] = {
            "connector_warning": connector_warning,
            "connector_info_file": connector_info_file,
            "bare_session": lambda: _ms_per_call(via_bare, CALLS // ROUNDS),
        }
        for run_variant in keep_alive.values():  # warm pools and caches, untimed
            run_variant()
        rounds: dict[str, list[float]] = {name: [] for name in keep_alive}
        names = list(keep_alive)
        for number in range(ROUNDS):
            # Rotated so no variant always runs first (or always right after another).
            shift = number % len(names)
            for name in names[shift:] + names[:shift]:
                rounds[name].append(keep_alive[name]())
        # Apart from the keep-alive rounds: a handshake per call leaves the server reaping
        # threads and the client collecting sockets, which would tax whichever variant ran next.
        per_call_calls = max(1, PER_CALL_CALLS // ROUNDS)
        rounds["per_call_handshake"] = [
            _ms_per_call(per_call, per_call_calls) for _ in range(ROUNDS)
        ]
    return rounds


def run(results_dir: Path) -> dict[str, Any]:
    """Measure, write ``overhead.json`` into ``results_dir`` and return the figures."""
    configure_logging("WARNING", "json")
    with LeanSandbox() as sandbox, tempfile.TemporaryFile("w+") as log_sink:
        counters_mtls = _sequential_counters(sandbox, "mtls")
        counters_oauth = _sequential_counters(sandbox, "oauth")
        rounds = _measure(sandbox, log_sink)
        log_sink.seek(0)
        info_lines = sum(1 for _ in log_sink)

    median = {name: statistics.median(values) for name, values in rounds.items()}
    ratio_warning = median["connector_warning"] / median["bare_session"]
    ratio_info = median["connector_info_file"] / median["bare_session"]
    counters_ok = _counters_bar_met(counters_mtls, counters_oauth)
    result: dict[str, Any] = {
        "benchmark": "overhead",
        "lean_connector_version": __version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "calls_per_keepalive_variant": CALLS,
        "rounds": ROUNDS,
        "per_call_handshake_calls": max(1, PER_CALL_CALLS // ROUNDS) * ROUNDS,
        "ms_per_call_median": {name: round(value, 4) for name, value in median.items()},
        "ms_per_call_by_round": {
            name: [round(v, 4) for v in values] for name, values in rounds.items()
        },
        "ratio_connector_over_bare_warning": round(ratio_warning, 3),
        "ratio_connector_over_bare_info_to_file": round(ratio_info, 3),
        "info_log_lines_written": info_lines,
        "bar_ratio_max": RATIO_BAR,
        "per_call_style_over_connector": round(
            median["per_call_handshake"] / median["connector_warning"], 2
        ),
        "sandbox_counters_after_sequential_calls": {
            "mtls": counters_mtls,
            "oauth": counters_oauth,
        },
        "bar_ratio_met": ratio_warning <= RATIO_BAR,
        "bar_counters_met": counters_ok,
        "bar_met": ratio_warning <= RATIO_BAR and counters_ok,
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "overhead.json").write_text(json.dumps(result, indent=2) + "\n")
    (results_dir / "overhead.md").write_text(_markdown(result))
    return result


def _markdown(result: dict[str, Any]) -> str:
    """A short human summary of ``result`` (the JSON beside it has every round)."""
    median = result["ms_per_call_median"]
    counters = result["sandbox_counters_after_sequential_calls"]
    met = "met" if result["bar_met"] else "MISSED"
    rows = [
        ("LeanConnector, logging at WARNING", median["connector_warning"]),
        ("LeanConnector, INFO log line per call to a file", median["connector_info_file"]),
        ("bare requests.Session, same cert, keep-alive", median["bare_session"]),
        ("requests.get(..., cert=...) per call (Lean's sample)", median["per_call_handshake"]),
    ]
    lines = [
        "# bench/overhead",
        "",
        f"GET /banks/v1/ over mTLS to the local sandbox on 127.0.0.1; {result['rounds']} "
        f"interleaved rounds, {result['calls_per_keepalive_variant']} calls per keep-alive "
        f"variant, {result['per_call_handshake_calls']} per-call-handshake calls; median of "
        f"the per-round ms/call (Python {result['python']}, {result['machine']}).",
        "",
        "| variant | ms/call |",
        "|---|---:|",
        *(f"| {name} | {value:.3f} |" for name, value in rows),
        "",
        f"- connector / bare at WARNING: **{result['ratio_connector_over_bare_warning']}** "
        f"(bar <= {result['bar_ratio_max']})",
        f"- connector / bare at INFO to a file: {result['ratio_connector_over_bare_info_to_file']}",
        f"- per-call style / connector: {result['per_call_style_over_connector']}x slower",
        f"- after {counters['mtls']['calls']} sequential calls, mtls: TLS handshakes "
        f"{counters['mtls']['tls_handshakes_by_listener']}; oauth: TLS handshakes "
        f"{counters['oauth']['tls_handshakes_by_listener']}, token requests "
        f"{counters['oauth']['token_requests_by_scope']}",
        "",
        f"Bar: {met}.",
        "",
    ]
    return "\n".join(lines)

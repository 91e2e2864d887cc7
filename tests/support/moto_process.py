"""A real moto server in its own process, with a per-operation call counter.

moto_server alone cannot tell a test how many GetSecretValue calls it served, so this
wraps moto's own WSGI app in a middleware that counts requests by ``X-Amz-Target``
(JSON protocols: Secrets Manager, SSM, DynamoDB, ...) or ``Action`` (query protocols) and
serves the counts at ``GET /_counts`` (``DELETE /_counts`` resets them). Everything else
is moto's real HTTP path, so boto3's retries, signing and AWS error codes are exercised.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _CountingMiddleware:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.counts: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == "/_counts":
            if environ["REQUEST_METHOD"] == "DELETE":
                with self.lock:
                    self.counts.clear()
            with self.lock:
                body = json.dumps(dict(self.counts)).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        op = environ.get("HTTP_X_AMZ_TARGET", "")
        if op:
            op = op.rsplit(".", 1)[-1]
        else:
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
            op = (query.get("Action") or [""])[0]
        if op:
            with self.lock:
                self.counts[op] += 1
        return self.app(environ, start_response)


def _serve(port: int) -> None:
    from moto.moto_server.threaded_moto_server import DomainDispatcherApplication
    from moto.server import create_backend_app
    from werkzeug.serving import run_simple

    app = _CountingMiddleware(DomainDispatcherApplication(create_backend_app))
    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)


class MotoProcess:
    """Start/stop the counting moto server; ``endpoint_url`` is what boto3 should use."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 30.0) -> MotoProcess:
        env = dict(os.environ)
        env.setdefault("AWS_ACCESS_KEY_ID", "testing")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        self._proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"moto server exited with {self._proc.returncode}")
            try:
                self.counts()
                return self
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto server did not start on port {self.port} in {timeout_s}s")

    def counts(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.endpoint_url}/_counts", timeout=5) as r:
            data: dict[str, int] = json.loads(r.read())
            return data

    def reset_counts(self) -> None:
        req = urllib.request.Request(f"{self.endpoint_url}/_counts", method="DELETE")
        urllib.request.urlopen(req, timeout=5).close()

    def reset(self) -> None:
        """Drop every AWS resource (moto's own reset API) and the counters."""
        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=5).close()
        self.reset_counts()

    def enable_iam_auth(self) -> None:
        """From now on moto checks signatures and IAM policies on every request.

        Global to this server process (moto's ``/moto-api/reset-auth``), so use it on a
        MotoProcess of your own, after creating the users and keys the test needs.
        """
        req = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset-auth",
            data=b"0",
            method="POST",
            # moto reads the raw body; a form content type would make werkzeug consume it.
            headers={"Content-Type": "text/plain"},
        )
        urllib.request.urlopen(req, timeout=5).close()

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._proc = None


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    _serve(parser.parse_args().port)

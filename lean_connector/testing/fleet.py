"""A local fleet of sync workers: processes that poll an SQS queue the way a Lambda event
source mapping does, and invoke a handler with the event AWS would send.

Each worker process stands for one Lambda execution environment: it receives up to
``batch_size`` messages with a visibility timeout, invokes the handler (by default
``lean_connector.aws_lambda.sync_handler``) with ``{"Records": [...]}`` in AWS's SQS record
shape, then deletes the messages that succeeded. With a partial batch response only the
records named in ``batchItemFailures`` stay on the queue (and come back after the visibility
timeout); when the handler raises, or answers with an id that is not in the batch, the
whole batch stays, as with ``ReportBatchItemFailures``. The number of processes plays
``maximum_concurrency``.

    with LocalFleet(queue_url=url, env=lambda_env, workers=4, endpoint_url=moto) as fleet:
        fleet.wait_until(lambda: run_status(output, run_id).complete, timeout_s=120)

Each worker prints one JSON line per batch on stdout (``fleet.batch``), and the handler's
own JSON logs go to stderr; both land in ``log_dir``. Run one worker by hand with
``python -m lean_connector.testing.fleet --queue-url URL [...]``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

__all__ = ["LocalFleet", "WorkerContext", "poll_once", "sqs_event", "sqs_record"]

DEFAULT_HANDLER = "lean_connector.aws_lambda.sync_handler"
MAX_RECEIVE = 10  # what one ReceiveMessage returns at most


def _queue_arn(queue_url: str, region: str) -> str:
    # A queue URL is <scheme>://<host>/<account id>/<queue name>.
    account, name = queue_url.rstrip("/").rsplit("/", 2)[-2:]
    return f"arn:aws:sqs:{region}:{account}:{name}"


def sqs_record(message: Mapping[str, Any], *, queue_url: str, region: str) -> dict[str, Any]:
    """One ``ReceiveMessage`` message in the record shape Lambda hands an SQS-triggered handler."""
    attributes = {str(k): str(v) for k, v in (message.get("Attributes") or {}).items()}
    message_attributes = {
        str(name): {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType", "String"),
        }
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    body = str(message.get("Body", ""))
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
        "eventSource": "aws:sqs",
        "eventSourceARN": _queue_arn(queue_url, region),
        "awsRegion": region,
    }


def sqs_event(
    messages: Sequence[Mapping[str, Any]], *, queue_url: str, region: str
) -> dict[str, Any]:
    """The event of one SQS batch: ``{"Records": [...]}``."""
    return {"Records": [sqs_record(m, queue_url=queue_url, region=region) for m in messages]}


@dataclass
class WorkerContext:
    """The parts of Lambda's context object the handlers read."""

    aws_request_id: str
    function_name: str = "lean-connector-sync-local"
    memory_limit_in_mb: int = 512
    deadline: float = 0.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def _failed_ids(answer: Any, batch_ids: set[str]) -> set[str] | None:
    """The ids to keep from a partial batch response; None means "the whole batch failed"."""
    if answer is None:
        return set()
    if not isinstance(answer, Mapping):
        return set()
    failures = answer.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    kept: set[str] = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, Mapping) else None
        if not isinstance(identifier, str) or identifier not in batch_ids:
            return None  # AWS treats a malformed response as a failure of the whole batch
        kept.add(identifier)
    return kept


def poll_once(
    sqs: Any,
    handler: Callable[[Any, Any], Any],
    *,
    queue_url: str,
    region: str,
    batch_size: int = MAX_RECEIVE,
    visibility_timeout_s: int = 30,
    wait_time_s: int = 1,
    timeout_s: float = 900.0,
) -> dict[str, Any] | None:
    """One receive -> invoke -> delete cycle; what happened, or None when nothing came."""
    received = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=min(batch_size, MAX_RECEIVE),
        VisibilityTimeout=visibility_timeout_s,
        WaitTimeSeconds=wait_time_s,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    messages = received.get("Messages") or []
    if not messages:
        return None
    received_at = time.time()
    event = sqs_event(messages, queue_url=queue_url, region=region)
    ids = {m["MessageId"] for m in messages}
    context = WorkerContext(str(uuid.uuid4()), deadline=time.monotonic() + timeout_s)
    error = None
    try:
        kept = _failed_ids(handler(event, context), ids)
    except Exception as exc:  # the whole batch comes back after the visibility timeout
        kept, error = None, type(exc).__name__
    done = [m for m in messages if kept is not None and m["MessageId"] not in kept]
    for start in range(0, len(done), MAX_RECEIVE):
        chunk = done[start : start + MAX_RECEIVE]
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(chunk)
            ],
        )
    return {
        "received_at": received_at,
        "messages": len(messages),
        "deleted": len(done),
        "kept": sorted(ids if kept is None else kept),
        "error": error,
    }


def _load_handler(dotted: str) -> Callable[[Any, Any], Any]:
    module, _, name = dotted.rpartition(".")
    handler: Callable[[Any, Any], Any] = getattr(importlib.import_module(module), name)
    return handler


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lean_connector.testing.fleet")
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", "me-central-1"))
    parser.add_argument("--endpoint-url", default=None)
    parser.add_argument("--handler", default=DEFAULT_HANDLER)
    parser.add_argument("--batch-size", type=int, default=MAX_RECEIVE)
    parser.add_argument("--visibility-timeout", type=int, default=30)
    parser.add_argument("--wait-time", type=int, default=1)
    parser.add_argument("--worker", type=int, default=0, help="this worker's number (logs)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """One worker: poll until SIGTERM/SIGINT, then finish the batch in hand and exit 0."""
    from lean_connector._aws import client

    args = _parse(argv)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    handler = _load_handler(args.handler)
    sqs = client("sqs", region=args.region, endpoint_url=args.endpoint_url)
    print(
        json.dumps({"event": "fleet.ready", "worker": args.worker, "pid": os.getpid()}), flush=True
    )
    while not stopping.is_set():
        started = time.monotonic()
        outcome = poll_once(
            sqs,
            handler,
            queue_url=args.queue_url,
            region=args.region,
            batch_size=args.batch_size,
            visibility_timeout_s=args.visibility_timeout,
            wait_time_s=args.wait_time,
        )
        if outcome is not None:
            outcome.update(
                event="fleet.batch",
                worker=args.worker,
                ended_at=time.time(),
                seconds=round(time.monotonic() - started, 3),
            )
            print(json.dumps(outcome), flush=True)
    return 0


class LocalFleet:
    """N worker processes polling one queue. ``env`` is the workers' environment (the
    ``LEAN_*`` spec and ``AWS_*`` credentials a Lambda would get), merged over this one's."""

    def __init__(
        self,
        *,
        queue_url: str,
        env: Mapping[str, str],
        workers: int = 1,
        region: str = "me-central-1",
        endpoint_url: str | None = None,
        batch_size: int = MAX_RECEIVE,
        visibility_timeout_s: int = 30,
        handler: str = DEFAULT_HANDLER,
        log_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if not 1 <= batch_size <= MAX_RECEIVE:
            raise ValueError(f"batch_size must be 1-{MAX_RECEIVE}, got {batch_size!r}")
        if workers < 0:
            raise ValueError(f"workers must be >= 0, got {workers!r}")
        self.queue_url, self.region, self.endpoint_url = queue_url, region, endpoint_url
        self.batch_size, self.visibility_timeout_s = batch_size, visibility_timeout_s
        self.handler = handler
        self._env = {**os.environ, **env}
        self._initial = workers
        self._owns_log_dir = log_dir is None
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="lean-fleet-"))
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> LocalFleet:
        """Start the initial workers."""
        for _ in range(self._initial):
            self.add_worker()
        return self

    def add_worker(self) -> int:
        """Start one more worker; its number."""
        number = len(self.processes)
        command = [
            sys.executable,
            "-m",
            "lean_connector.testing.fleet",
            "--queue-url",
            self.queue_url,
            "--region",
            self.region,
            "--handler",
            self.handler,
            "--batch-size",
            str(self.batch_size),
            "--visibility-timeout",
            str(self.visibility_timeout_s),
            "--worker",
            str(number),
        ]
        if self.endpoint_url:
            command += ["--endpoint-url", self.endpoint_url]
        with (
            open(self.log_dir / f"worker-{number}.out", "wb") as out,
            open(self.log_dir / f"worker-{number}.err", "wb") as err,
        ):
            self.processes.append(subprocess.Popen(command, env=self._env, stdout=out, stderr=err))
        return number

    def events(self, number: int, stream: str = "out") -> list[dict[str, Any]]:
        """The JSON lines worker ``number`` wrote so far (``out``: batches; ``err``: logs)."""
        path = self.log_dir / f"worker-{number}.{stream}"
        found = []
        for line in path.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                found.append(json.loads(line))
        return [e for e in found if isinstance(e, dict)]

    def all_events(self, stream: str = "out") -> list[dict[str, Any]]:
        """Every worker's JSON lines."""
        return [e for n in range(len(self.processes)) for e in self.events(n, stream)]

    def kill(self, number: int, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to worker ``number`` (SIGKILL: it dies mid-batch, nothing deleted)."""
        process = self.processes[number]
        if process.poll() is None:
            process.send_signal(sig)
            process.wait(timeout=30)

    def alive(self, number: int) -> bool:
        return self.processes[number].poll() is None

    def wait_until(
        self, predicate: Callable[[], bool], *, timeout_s: float, interval_s: float = 0.2
    ) -> None:
        """Poll ``predicate``; raise TimeoutError (with the workers' stderr tails) when it
        is still false after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                tails = {
                    n: (self.log_dir / f"worker-{n}.err").read_text(errors="replace")[-2000:]
                    for n in range(len(self.processes))
                }
                raise TimeoutError(f"fleet: condition not met in {timeout_s}s; stderr: {tails}")
            time.sleep(interval_s)

    def stop(self) -> None:
        """SIGTERM every worker (each finishes its batch), SIGKILL those still up after 60 s."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def close(self) -> None:
        """Stop, and delete the log folder if the fleet made it."""
        self.stop()
        if self._owns_log_dir:
            import shutil

            shutil.rmtree(self.log_dir, ignore_errors=True)

    def __enter__(self) -> LocalFleet:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


if __name__ == "__main__":
    sys.exit(main())

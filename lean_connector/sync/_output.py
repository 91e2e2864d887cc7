"""Where the sync job writes: a local directory or ``s3://bucket/prefix``.

Layout of one run (``<root>`` is the output directory or S3 prefix)::

    <root>/<run_id>/manifest.json
    <root>/<run_id>/entity=<entity_id>/{accounts,balances,transactions}.jsonl
    <root>/<run_id>/entity=<entity_id>/_done

Resuming after a crash relies on two rules: every file appears whole or not at all (a
temp file renamed into place locally, one ``put_object`` on S3), and an entity's ``_done``
marker is written only after all of its files. An entity without a marker is rewritten from
scratch on the next attempt, so rows are never appended twice.
"""

from __future__ import annotations

import io
import json
import os
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from lean_connector.errors import AWSStoreError, ConnectorError, InvalidRequestError

__all__ = [
    "DONE_MARKER",
    "KINDS",
    "EntityWriter",
    "LocalOutput",
    "RunState",
    "S3Output",
    "SyncOutput",
    "entity_dir_name",
    "open_output",
]

KINDS = ("accounts", "balances", "transactions")
DONE_MARKER = "_done"
MANIFEST = "manifest.json"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def entity_dir_name(entity_id: str) -> str:
    """``entity=<id>`` with the id quoted, so no id can escape the run directory."""
    return "entity=" + quote(entity_id, safe="-_.")


def check_run_id(run_id: str) -> str:
    """Refuse run ids that are not one safe path segment (they name a directory/prefix)."""
    if not _RUN_ID.match(run_id) or run_id in {".", ".."}:
        raise InvalidRequestError(
            f"run_id must be 1-128 characters of letters, digits, '.', '_' or '-' starting "
            f"with a letter or digit, got {run_id!r}"
        )
    return run_id


def _jsonl(row: Mapping[str, Any]) -> bytes:
    return (json.dumps(row, separators=(",", ":"), sort_keys=True, default=str) + "\n").encode()


@dataclass
class RunState:
    """What an earlier attempt of the same run left behind."""

    done: dict[str, dict[str, Any]] = field(default_factory=dict)  # entity dir -> marker record
    partial: set[str] = field(default_factory=set)  # entity dirs holding files but no marker
    manifest: dict[str, Any] | None = None


class EntityWriter(ABC):
    """Collects one entity's rows; nothing is visible under the final names until commit."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(KINDS, 0)

    def add(self, kind: str, row: Mapping[str, Any]) -> None:
        """Append one row of ``kind`` (accounts, balances or transactions)."""
        self._append(kind, _jsonl(row))
        self.counts[kind] += 1

    @abstractmethod
    def _append(self, kind: str, line: bytes) -> None: ...

    @abstractmethod
    def commit(self, marker: Mapping[str, Any]) -> None:
        """Publish every kind's file (empty ones too), then the ``_done`` marker."""

    @abstractmethod
    def abort(self) -> None:
        """Drop what was collected; the final names are left untouched."""


class SyncOutput(ABC):
    """One run's destination. ``location`` is the run's directory or ``s3://`` URL."""

    location: str

    @abstractmethod
    def check(self) -> None:
        """Fail with a clear ConnectorError before any work when the output is unusable."""

    @abstractmethod
    def scan(self) -> RunState:
        """What a previous attempt of this run id left (done markers, partial entities)."""

    @abstractmethod
    def reset_entity(self, dir_name: str) -> None:
        """Delete a partial entity's files so it is rewritten from scratch."""

    @abstractmethod
    def entity_writer(self, dir_name: str) -> EntityWriter:
        """A writer for one entity's files."""

    @abstractmethod
    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        """Write (or replace) ``manifest.json`` atomically."""

    @property
    def manifest_location(self) -> str:
        """Where ``manifest.json`` is."""
        return f"{self.location}/{MANIFEST}"


# -- local directory ------------------------------------------------------------------------


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class _LocalEntityWriter(EntityWriter):
    def __init__(self, directory: Path) -> None:
        super().__init__()
        self._dir = directory
        self._files: dict[str, tuple[Path, IO[bytes]]] = {}

    def _handle(self, kind: str) -> IO[bytes]:
        if kind not in self._files:
            self._dir.mkdir(parents=True, exist_ok=True)
            tmp = self._dir / f".{kind}.jsonl.tmp-{uuid.uuid4().hex}"
            self._files[kind] = (tmp, open(tmp, "wb"))  # noqa: SIM115 - closed in commit/abort
        return self._files[kind][1]

    def _append(self, kind: str, line: bytes) -> None:
        self._handle(kind).write(line)

    def commit(self, marker: Mapping[str, Any]) -> None:
        for kind in KINDS:
            handle = self._handle(kind)
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            os.replace(self._files[kind][0], self._dir / f"{kind}.jsonl")
        self._files.clear()
        _atomic_write(self._dir / DONE_MARKER, json.dumps(dict(marker), sort_keys=True).encode())

    def abort(self) -> None:
        for tmp, handle in self._files.values():
            handle.close()
            tmp.unlink(missing_ok=True)
        self._files.clear()


class LocalOutput(SyncOutput):
    """``<directory>/<run_id>/`` on the local file system."""

    def __init__(self, directory: str | os.PathLike[str], run_id: str) -> None:
        self._root = Path(directory).expanduser() / check_run_id(run_id)
        self.location = str(self._root)

    def check(self) -> None:
        try:
            self._root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConnectorError(
                f"cannot create the sync output directory {self.location!r}: {exc.strerror}: "
                "fix sync.output / --output or its permissions"
            ) from exc

    def scan(self) -> RunState:
        state = RunState()
        manifest = self._root / MANIFEST
        if manifest.is_file():
            state.manifest = json.loads(manifest.read_text())
        for entity_dir in self._root.glob("entity=*"):
            marker = entity_dir / DONE_MARKER
            if marker.is_file():
                state.done[entity_dir.name] = json.loads(marker.read_text())
            else:
                state.partial.add(entity_dir.name)
        return state

    def reset_entity(self, dir_name: str) -> None:
        directory = self._root / dir_name
        for path in directory.glob("*"):
            if path.is_file():
                path.unlink()
        for path in directory.glob(".*"):
            if path.is_file():
                path.unlink()

    def entity_writer(self, dir_name: str) -> EntityWriter:
        return _LocalEntityWriter(self._root / dir_name)

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        text = json.dumps(dict(manifest), indent=2, sort_keys=True, default=str) + "\n"
        _atomic_write(self._root / MANIFEST, text.encode())


# -- S3 -------------------------------------------------------------------------------------


class _S3EntityWriter(EntityWriter):
    def __init__(self, output: S3Output, prefix: str) -> None:
        super().__init__()
        self._output = output
        self._prefix = prefix
        self._buffers: dict[str, io.BytesIO] = {kind: io.BytesIO() for kind in KINDS}

    def _append(self, kind: str, line: bytes) -> None:
        self._buffers[kind].write(line)

    def commit(self, marker: Mapping[str, Any]) -> None:
        for kind in KINDS:
            self._output.put(f"{self._prefix}/{kind}.jsonl", self._buffers[kind].getvalue())
        self._output.put(f"{self._prefix}/{DONE_MARKER}", json.dumps(dict(marker)).encode())
        self._buffers.clear()

    def abort(self) -> None:
        self._buffers.clear()


class S3Output(SyncOutput):
    """``s3://bucket/prefix/<run_id>/``. One put_object per file, so each appears whole."""

    def __init__(
        self,
        url: str,
        run_id: str,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise InvalidRequestError(
                f"sync output {url!r} names no bucket: use s3://bucket/prefix"
            )
        self.bucket = bucket
        prefix = prefix.strip("/")
        self._prefix = f"{prefix}/{check_run_id(run_id)}" if prefix else check_run_id(run_id)
        self.location = f"s3://{bucket}/{self._prefix}"
        self._region = region
        self._endpoint_url = endpoint_url

    def _client(self) -> Any:
        from lean_connector._aws import client

        return client("s3", region=self._region, endpoint_url=self._endpoint_url)

    def _failed(self, action: str, exc: Exception) -> AWSStoreError:
        from lean_connector._aws import error_code

        code = error_code(exc)
        return AWSStoreError(
            f"S3 {action} failed under {self.location} ({code or type(exc).__name__})",
            service="s3",
            code=code,
        )

    def check(self) -> None:
        try:
            self._client().head_bucket(Bucket=self.bucket)
        except Exception as exc:
            from lean_connector._aws import error_code, is_aws_client_error

            if not is_aws_client_error(exc) and not _is_botocore(exc):
                raise
            code = error_code(exc)
            raise AWSStoreError(
                f"S3 bucket {self.bucket!r} does not exist or is not accessible "
                f"({code or type(exc).__name__}): create it or fix sync.output",
                service="s3",
                code=code,
            ) from exc

    def scan(self) -> RunState:
        state = RunState()
        files: dict[str, set[str]] = {}
        try:
            paginator = self._client().get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._prefix + "/"):
                for item in page.get("Contents", []):
                    relative = str(item["Key"])[len(self._prefix) + 1 :]
                    if relative == MANIFEST:
                        state.manifest = json.loads(self.get(MANIFEST))
                    head, _, name = relative.partition("/")
                    if head.startswith("entity=") and name:
                        files.setdefault(head, set()).add(name)
        except Exception as exc:
            if _is_botocore(exc):
                raise self._failed("listing", exc) from exc
            raise
        for dir_name, names in files.items():
            if DONE_MARKER in names:
                state.done[dir_name] = json.loads(self.get(f"{dir_name}/{DONE_MARKER}"))
            else:
                state.partial.add(dir_name)
        return state

    def get(self, relative: str) -> bytes:
        """Read one object of this run."""
        try:
            body = self._client().get_object(Bucket=self.bucket, Key=f"{self._prefix}/{relative}")
            return bytes(body["Body"].read())
        except Exception as exc:
            if _is_botocore(exc):
                raise self._failed(f"read of {relative}", exc) from exc
            raise

    def put(self, relative: str, data: bytes) -> None:
        """Write one object of this run (``relative`` to the run prefix)."""
        key = f"{self._prefix}/{relative}"
        try:
            self._client().put_object(Bucket=self.bucket, Key=key, Body=data)
        except Exception as exc:
            if _is_botocore(exc):
                raise self._failed(f"write of {relative}", exc) from exc
            raise

    def reset_entity(self, dir_name: str) -> None:
        keys = [{"Key": f"{self._prefix}/{dir_name}/{kind}.jsonl"} for kind in KINDS]
        try:
            self._client().delete_objects(Bucket=self.bucket, Delete={"Objects": keys})
        except Exception as exc:
            if _is_botocore(exc):
                raise self._failed(f"clean-up of {dir_name}", exc) from exc
            raise

    def entity_writer(self, dir_name: str) -> EntityWriter:
        return _S3EntityWriter(self, dir_name)

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        text = json.dumps(dict(manifest), indent=2, sort_keys=True, default=str) + "\n"
        self.put(MANIFEST, text.encode())


def _is_botocore(exc: BaseException) -> bool:
    """botocore errors, recognised without importing botocore here (aws_clients owns it)."""
    from lean_connector._aws import is_aws_client_error, is_connection_error

    module = type(exc).__module__ or ""
    return is_aws_client_error(exc) or is_connection_error(exc) or module.startswith("botocore")


def open_output(
    output: str,
    run_id: str,
    *,
    aws_region: str | None = None,
    aws_endpoint_url: str | None = None,
) -> SyncOutput:
    """A :class:`LocalOutput` for a path, an :class:`S3Output` for ``s3://bucket/prefix``."""
    if not output or not output.strip():
        raise InvalidRequestError("sync output is empty: pass --output or set sync.output")
    if output.startswith("s3://"):
        return S3Output(output, run_id, region=aws_region, endpoint_url=aws_endpoint_url)
    if "://" in output:
        raise InvalidRequestError(
            f"sync output {output!r} is neither a directory nor s3://bucket/prefix"
        )
    return LocalOutput(output, run_id)

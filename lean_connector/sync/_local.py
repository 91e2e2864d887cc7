"""A run's output in a local directory: ``<directory>/<run_id>/``.

Rows stream into a hidden temp file per kind as they come; commit renames each into place
and then writes the ``_done`` marker, so a file is whole or absent and memory stays flat.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from lean_connector.errors import ConnectorError
from lean_connector.sync._layout import DONE_MARKER, KINDS, check_run_id
from lean_connector.sync._sink import EntityWriter, RunState, SyncOutput

__all__ = ["LocalOutput"]


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
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

    def read(self, relative: str) -> bytes | None:
        try:
            return (self._root / relative).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def write(self, relative: str, data: bytes) -> None:
        _atomic_write(self._root / relative, data)

    def delete(self, relative: str) -> None:
        (self._root / relative).unlink(missing_ok=True)

    def list_names(self, prefix: str = "") -> Iterator[str]:
        start = self._root / prefix.rpartition("/")[0]
        if not start.is_dir():
            return
        for directory, _subdirs, names in os.walk(start):
            for name in names:
                if name.startswith("."):
                    continue  # a writer's temp file: not an object yet
                relative = (Path(directory) / name).relative_to(self._root).as_posix()
                if relative.startswith(prefix):
                    yield relative

    def scan(self) -> RunState:
        state = super().scan()
        # A killed writer may have left only hidden temp files, which list_names skips.
        for directory in self._root.glob("entity=*"):
            if directory.is_dir() and directory.name not in state.done:
                state.partial.add(directory.name)
        return state

    def reset_entity(self, dir_name: str) -> None:
        # Temp files of a killed writer too: everything in the entity's folder goes.
        directory = self._root / dir_name
        for path in (*directory.glob("*"), *directory.glob(".*")):
            if path.is_file():
                path.unlink()

    def clean_up_entity(self, dir_name: str) -> None:
        # A killed writer's temp files; its final files are replaced whole by the next commit.
        for path in (self._root / dir_name).glob(".*.tmp-*"):
            path.unlink(missing_ok=True)

    def entity_writer(self, dir_name: str) -> EntityWriter:
        return _LocalEntityWriter(self._root / dir_name)

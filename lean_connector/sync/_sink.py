"""What every output (a directory, an S3 prefix) offers the job, the planner and the status.

An output is one run's folder. Its primitives read, write, list and delete whole objects
relative to that folder; an :class:`EntityWriter` streams one entity's rows into files that
appear under their final names only when the entity is committed.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lean_connector.sync._layout import DONE_MARKER, FAILED_MARKER, KINDS, MANIFEST, encode_row

__all__ = ["EntityWriter", "RunState", "SyncOutput"]


@dataclass
class RunState:
    """What an earlier attempt of the same run left behind."""

    done: dict[str, dict[str, Any]] = field(default_factory=dict)  # entity dir -> marker record
    partial: set[str] = field(default_factory=set)  # entity dirs holding files but no marker
    manifest: dict[str, Any] | None = None


class EntityWriter(ABC):
    """Streams one entity's rows; nothing is visible under the final names until commit."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(KINDS, 0)

    def add(self, kind: str, row: Mapping[str, Any]) -> None:
        """Append one row of ``kind`` (accounts, balances or transactions)."""
        self._append(kind, encode_row(row))
        self.counts[kind] += 1

    @abstractmethod
    def _append(self, kind: str, line: bytes) -> None: ...

    @abstractmethod
    def commit(self, marker: Mapping[str, Any]) -> None:
        """Publish every kind's file (empty ones too), then the ``_done`` marker."""

    @abstractmethod
    def abort(self) -> None:
        """Drop what was written; the final names are left untouched."""


class SyncOutput(ABC):
    """One run's destination. ``location`` is the run's directory or ``s3://`` URL."""

    location: str

    # -- primitives (relative names inside the run folder, '/'-separated) ------------------

    @abstractmethod
    def check(self) -> None:
        """Fail with a clear ConnectorError before any work when the output is unusable."""

    @abstractmethod
    def read(self, relative: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""

    @abstractmethod
    def write(self, relative: str, data: bytes) -> None:
        """Write (or replace) one object whole: readers see the old or the new, never part."""

    @abstractmethod
    def delete(self, relative: str) -> None:
        """Delete one object; a missing one is not an error."""

    @abstractmethod
    def list_names(self, prefix: str = "") -> Iterator[str]:
        """Relative names of the objects under ``prefix`` (recursive, any order)."""

    @abstractmethod
    def entity_writer(self, dir_name: str) -> EntityWriter:
        """A streaming writer for one entity's files."""

    def clean_up_entity(self, dir_name: str) -> None:  # noqa: B027 - optional hook
        """Drop what a killed attempt left of an entity that has no ``_done`` marker
        (e.g. unfinished multipart uploads). Nothing to do for outputs without such state."""

    # -- built on the primitives -----------------------------------------------------------

    def read_json(self, relative: str) -> dict[str, Any] | None:
        """A JSON object stored at ``relative``, or None when it does not exist."""
        data = self.read(relative)
        if data is None:
            return None
        document = json.loads(data)
        return document if isinstance(document, dict) else None

    def write_json(
        self, relative: str, document: Mapping[str, Any], *, indent: int | None = None
    ) -> None:
        """Write a JSON object whole."""
        text = json.dumps(dict(document), indent=indent, sort_keys=True, default=str)
        self.write(relative, (text + "\n").encode())

    def scan(self) -> RunState:
        """What a previous attempt of this run id left (done markers, partial entities)."""
        state = RunState(manifest=self.read_json(MANIFEST))
        files: dict[str, set[str]] = {}
        for relative in self.list_names("entity="):
            head, _, name = relative.partition("/")
            if name:
                files.setdefault(head, set()).add(name)
        for dir_name, names in files.items():
            if DONE_MARKER in names:
                state.done[dir_name] = self.read_json(f"{dir_name}/{DONE_MARKER}") or {}
            else:
                state.partial.add(dir_name)
        return state

    def is_done(self, dir_name: str) -> dict[str, Any] | None:
        """The entity's ``_done`` marker, or None when it is not done."""
        return self.read_json(f"{dir_name}/{DONE_MARKER}")

    def reset_entity(self, dir_name: str) -> None:
        """Delete a partial entity's files so it is rewritten from scratch."""
        self.clean_up_entity(dir_name)
        for kind in KINDS:
            self.delete(f"{dir_name}/{kind}.jsonl")
        self.delete(f"{dir_name}/{FAILED_MARKER}")

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        """Write (or replace) ``manifest.json`` atomically."""
        self.write_json(MANIFEST, manifest, indent=2)

    @property
    def manifest_location(self) -> str:
        """Where ``manifest.json`` is."""
        return f"{self.location}/{MANIFEST}"

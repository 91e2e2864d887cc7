"""A run's output in a local directory: ``<directory>/<run_id>/``.

Rows stream into a hidden temp file per kind as they come; commit renames each into place
and then writes the ``_done`` marker, so a file is whole or absent and memory stays flat.

The files hold customers' transactions: each is created 0600 (``O_EXCL``, never through a
symlink) in folders created or tightened to 0700, and no folder under the run directory,
nor the run directory itself, is ever a symlink the job would write, read or delete
through: one planted there could point the job at any file of the user running it.
"""

from __future__ import annotations

import json
import os
import stat
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from lean_connector.errors import ConnectorError
from lean_connector.sync._layout import DONE_MARKER, KINDS, check_run_id
from lean_connector.sync._sink import EntityWriter, RunState, SyncOutput

__all__ = ["LocalOutput"]

_FILE_MODE = 0o600
_DIR_MODE = 0o700
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS = os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)


def _symlink_refused(path: Path) -> ConnectorError:
    return ConnectorError(
        f"{path} is a symbolic link: sync output is never written, read or deleted through "
        "one (it could point at any file of this user); remove it, or choose another "
        "sync.output / --output"
    )


def _os_error(path: Path, what: str, exc: OSError) -> ConnectorError:
    return ConnectorError(
        f"cannot {what} {path}: {exc.strerror or exc}: fix sync.output / --output or its "
        "permissions"
    )


def _private_dir(path: Path) -> None:
    """``path`` as a 0700 folder of ours: created if missing, tightened if looser; a symlink
    or anything but a folder is refused."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        try:
            os.mkdir(path, _DIR_MODE)
            return
        except FileExistsError:  # another worker created it meanwhile
            info = path.lstat()
        except OSError as exc:
            raise _os_error(path, "create the folder", exc) from exc
    if stat.S_ISLNK(info.st_mode):
        raise _symlink_refused(path)
    if not stat.S_ISDIR(info.st_mode):
        raise ConnectorError(f"{path} is not a folder: remove it or choose another output")
    if stat.S_IMODE(info.st_mode) & 0o077:
        try:
            os.chmod(path, _DIR_MODE, follow_symlinks=False)
        except OSError as exc:
            raise _os_error(path, "restrict to its owner (0700) the folder", exc) from exc


def _base_dirs(path: Path) -> None:
    """The folders of the output directory the user named: missing ones are created 0700;
    existing ones (a symlink there is the user's own choice) are left as they are."""
    missing: list[Path] = []
    current = path
    while not current.exists() and not current.is_symlink() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, _DIR_MODE)
        except FileExistsError:
            pass
        except OSError as exc:
            raise _os_error(folder, "create the sync output folder", exc) from exc


def _new_private_file(path: Path) -> IO[bytes]:
    """A new file opened for writing, 0600, failing rather than following a planted link."""
    try:
        fd = os.open(path, _NEW_FILE_FLAGS, _FILE_MODE)
    except OSError as exc:
        raise _os_error(path, "create", exc) from exc
    return os.fdopen(fd, "wb")


class _LocalEntityWriter(EntityWriter):
    def __init__(self, directory: Path) -> None:
        super().__init__()
        self._dir = directory
        self._files: dict[str, tuple[Path, IO[bytes]]] = {}

    def _handle(self, kind: str) -> IO[bytes]:
        if kind not in self._files:
            _private_dir(self._dir)
            tmp = self._dir / f".{kind}.jsonl.tmp-{uuid.uuid4().hex}"
            self._files[kind] = (tmp, _new_private_file(tmp))
        return self._files[kind][1]

    def _append(self, kind: str, line: bytes) -> None:
        self._handle(kind).write(line)

    def commit(self, marker: Mapping[str, Any]) -> None:
        for kind in KINDS:
            handle = self._handle(kind)
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            # rename replaces a link planted at the final name; it never writes through it
            os.replace(self._files[kind][0], self._dir / f"{kind}.jsonl")
        self._files.clear()
        _atomic_write(self._dir / DONE_MARKER, json.dumps(dict(marker), sort_keys=True).encode())

    def abort(self) -> None:
        for tmp, handle in self._files.values():
            handle.close()
            tmp.unlink(missing_ok=True)
        self._files.clear()


def _atomic_write(path: Path, data: bytes) -> None:
    """``data`` in a new 0600 temp file, fsynced, then renamed over ``path``."""
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    with _new_private_file(tmp) as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class LocalOutput(SyncOutput):
    """``<directory>/<run_id>/`` on the local file system."""

    def __init__(self, directory: str | os.PathLike[str], run_id: str) -> None:
        self._base = Path(directory).expanduser()
        self._root = self._base / check_run_id(run_id)
        self.location = str(self._root)

    def _folder(self, relative_dir: str, *, create: bool = True) -> Path:
        """The folder ``relative_dir`` under the run directory, each level checked by
        :func:`_private_dir` (so created 0700 and never a symlink)."""
        folder = self._root
        _private_dir(folder)
        for part in Path(relative_dir).parts:
            folder = folder / part
            if create or folder.is_symlink() or folder.exists():
                _private_dir(folder)
        return folder

    def check(self) -> None:
        _base_dirs(self._base)
        _private_dir(self._root)

    def read(self, relative: str) -> bytes | None:
        path = self._root / relative
        try:
            self._folder(str(Path(relative).parent), create=False)
            fd = os.open(path, _READ_FLAGS)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            if path.is_symlink():
                raise _symlink_refused(path) from exc
            raise _os_error(path, "read", exc) from exc
        with os.fdopen(fd, "rb") as handle:
            return handle.read()

    def write(self, relative: str, data: bytes) -> None:
        folder = self._folder(str(Path(relative).parent))
        _atomic_write(folder / Path(relative).name, data)

    def delete(self, relative: str) -> None:
        folder = self._folder(str(Path(relative).parent), create=False)
        (folder / Path(relative).name).unlink(missing_ok=True)

    def list_names(self, prefix: str = "") -> Iterator[str]:
        start = self._root / prefix.rpartition("/")[0]
        if not start.is_dir() or start.is_symlink():
            return
        # os.walk does not descend into symlinked folders: a planted one is never listed.
        for directory, _subdirs, names in os.walk(start):
            for name in names:
                if name.startswith("."):
                    continue  # a writer's temp file: not an object yet
                relative = (Path(directory) / name).relative_to(self._root).as_posix()
                if relative.startswith(prefix):
                    yield relative

    def scan(self) -> RunState:
        state = super().scan()
        # A killed writer may have left only hidden temp files, which list_names skips. A
        # symlink named like an entity folder is partial too: redoing it refuses the link.
        for directory in self._root.glob("entity=*"):
            if (directory.is_dir() or directory.is_symlink()) and directory.name not in state.done:
                state.partial.add(directory.name)
        return state

    def reset_entity(self, dir_name: str) -> None:
        # Temp files of a killed writer too: everything in the entity's folder goes.
        directory = self._folder(dir_name)
        for path in (*directory.glob("*"), *directory.glob(".*")):
            if path.is_file() or path.is_symlink():
                path.unlink()

    def clean_up_entity(self, dir_name: str) -> None:
        # A killed writer's temp files; its final files are replaced whole by the next commit.
        directory = self._folder(dir_name, create=False)
        for path in directory.glob(".*.tmp-*"):
            path.unlink(missing_ok=True)

    def entity_writer(self, dir_name: str) -> EntityWriter:
        return _LocalEntityWriter(self._root / dir_name)

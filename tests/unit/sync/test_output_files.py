"""Local sync output holds customers' transactions: 0600 files in 0700 folders, no symlinks.

Real files under tmp_path, written through the real job with the unit tests' stand-in
connector. The umask is set to the common 022, under which a plain open() gives 0644.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from lean_connector.errors import ConnectorError
from lean_connector.sync import entity_dir_name
from tests.unit.sync.test_sync import FakeConnector, sync


@pytest.fixture(autouse=True)
def _common_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_every_file_is_0600_and_every_folder_0700(tmp_path: Path) -> None:
    out = tmp_path / "out"  # created by the job
    manifest = sync(FakeConnector(customers=2, entities=1), out, run_id="r1")
    assert manifest.ok == 2
    folders = [out, *(p for p in out.rglob("*") if p.is_dir())]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(folders) == 4  # out, r1, two entity folders
    assert len(files) == 9  # manifest + 2 x (3 kinds + _done)
    assert {str(p.relative_to(tmp_path)): oct(_mode(p)) for p in folders} == {
        str(p.relative_to(tmp_path)): "0o700" for p in folders
    }
    assert {str(p.relative_to(tmp_path)): oct(_mode(p)) for p in files} == {
        str(p.relative_to(tmp_path)): "0o600" for p in files
    }


def test_a_resumed_run_tightens_folders_an_older_run_left_open(tmp_path: Path) -> None:
    run = tmp_path / "r1"
    (run / entity_dir_name("c0-e0")).mkdir(parents=True, mode=0o755)
    run.chmod(0o755)
    sync(FakeConnector(customers=1, entities=1), tmp_path, run_id="r1")
    assert _mode(run) == 0o700
    assert _mode(run / entity_dir_name("c0-e0")) == 0o700


def test_a_symlinked_run_folder_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "r1").symlink_to(elsewhere)
    with pytest.raises(ConnectorError, match="is a symbolic link"):
        sync(FakeConnector(customers=1, entities=1), tmp_path / "out", run_id="r1")
    assert list(elsewhere.iterdir()) == []


def test_a_symlinked_entity_folder_fails_that_entity_and_its_target_stays_empty(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = tmp_path / "out" / "r1"
    run.mkdir(parents=True)
    (run / entity_dir_name("c0-e0")).symlink_to(elsewhere)
    manifest = sync(FakeConnector(customers=1, entities=2), tmp_path / "out", run_id="r1")
    assert (manifest.ok, manifest.failed) == (1, 1)
    assert manifest.errors[0].entity_id == "c0-e0"
    assert "symbolic link" in manifest.errors[0].message
    assert list(elsewhere.iterdir()) == []


def test_a_symlink_planted_as_an_output_file_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    entity = tmp_path / "out" / "r1" / entity_dir_name("c0-e0")
    entity.mkdir(parents=True)
    (entity / "transactions.jsonl").symlink_to(victim)
    sync(FakeConnector(customers=1, entities=1), tmp_path / "out", run_id="r1")
    assert victim.read_text() == "keep me"
    assert not (entity / "transactions.jsonl").is_symlink()
    assert _mode(entity / "transactions.jsonl") == 0o600


def test_a_symlinked_manifest_is_neither_read_nor_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.json"
    victim.write_text('{"run_id": "r1", "status": "running"}')
    run = tmp_path / "out" / "r1"
    run.mkdir(parents=True)
    (run / "manifest.json").symlink_to(victim)
    with pytest.raises(ConnectorError, match="is a symbolic link"):
        sync(FakeConnector(customers=1, entities=1), tmp_path / "out", run_id="r1")
    assert victim.read_text() == '{"run_id": "r1", "status": "running"}'

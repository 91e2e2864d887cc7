"""A user's project, with lean-connector installed from a wheel (not editable, not this
checkout on sys.path), tests a ``@lean_handler`` with the ``lean_lambda`` fixture, and mypy
sees the decorated handler's real signature.

Slow (a fresh virtualenv and its dependencies from the package index): about a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]

# What docs/lambda.md shows a user: under 20 lines, fixture and all.
USER_TEST = """\
from typing import Any

from lean_connector import LeanConnector
from lean_connector.aws_lambda import lean_handler
from lean_connector.testing import LeanLambda


@lean_handler
def handler(event: dict[str, Any], context: Any, connector: LeanConnector) -> dict[str, Any]:
    return {"statusCode": 200, "body": str(len(connector.banks.list()))}


def test_handler_lists_banks(lean_lambda: LeanLambda) -> None:
    response = lean_lambda.invoke(handler, lean_lambda.api_event("GET", "/banks"))
    assert response["statusCode"] == 200
    assert int(response["body"]) > 0
"""

# Calls a type checker must refuse, and the type it must see.
USER_TYPES = """\
from test_handler import handler

reveal_type(handler)
handler({}, None, None)
handler("not a dict", None)
count: int = handler({}, None)
"""

_OFFLINE = (
    "NewConnectionError",
    "Temporary failure in name resolution",
    "No matching distribution",
)


def _run(*args: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


def _env() -> dict[str, str]:
    # Nothing of this checkout or of the developer's shell: only the user's venv.
    return {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
        and not k.upper().startswith(("LEAN_", "AWS_LAMBDA"))
    }


def _skip_if_offline(result: subprocess.CompletedProcess[str], step: str) -> None:
    if result.returncode != 0 and any(mark in result.stderr for mark in _OFFLINE):
        pytest.skip(f"{step} needs the package index, which is unreachable: {result.stderr[-300:]}")
    assert result.returncode == 0, (
        f"{step} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )


def test_a_user_project_tests_a_handler_with_lean_lambda_and_mypy_sees_its_signature(
    tmp_path: Path,
) -> None:
    env = _env()
    dist = tmp_path / "dist"
    built = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, ROOT, cwd=tmp_path, env=env
    )
    _skip_if_offline(built, "building the wheel")
    [wheel] = dist.glob("lean_connector-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    installed = _run(
        python, "-m", "pip", "install", "-q", wheel, "pytest", "mypy", cwd=tmp_path, env=env
    )
    _skip_if_offline(installed, "installing the wheel")

    project = tmp_path / "project"
    project.mkdir()
    (project / "test_handler.py").write_text(USER_TEST)
    assert len(USER_TEST.splitlines()) < 20

    where = _run(
        python, "-c", "import lean_connector; print(lean_connector.__file__)", cwd=project, env=env
    )
    assert where.stdout.startswith(str(venv)), where.stdout  # the wheel, not this checkout

    tested = _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project, env=env)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "1 passed" in tested.stdout

    checked = _run(python, "-m", "mypy", "--strict", "test_handler.py", cwd=project, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    (project / "check_types.py").write_text(USER_TYPES)
    refused = _run(python, "-m", "mypy", "check_types.py", cwd=project, env=env)
    lines = refused.stdout.replace("builtins.", "").splitlines()  # as older mypy spells it
    assert refused.returncode == 1, refused.stdout
    assert (
        'check_types.py:3: note: Revealed type is "def (dict[str, Any], Any) -> dict[str, Any]"'
    ) in lines, refused.stdout
    assert any(line.startswith("check_types.py:4: error: Too many arguments") for line in lines)
    assert any(
        line.startswith('check_types.py:5: error: Argument 1 to "handler" has incompatible type')
        for line in lines
    ), refused.stdout
    assert any(
        line.startswith("check_types.py:6: error: Incompatible types in assignment")
        for line in lines
    ), refused.stdout

"""Fuzz the command line: `lean_connector.cli.main` with generated argv, in process.

Every argv ends with exit 0, 1 or 2, never "internal error" or an uncaught exception; a
usage error (exit 2) never echoes what was typed; and no secret planted in the spec, the
environment or argv ever shows on stdout or stderr. The spec points the API at a closed
port on 127.0.0.1 with one attempt, so commands that call Lean fail fast (exit 1) instead
of reaching any network; argv that would block (the sandbox server) or read stdin or AWS
is not generated.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from lean_connector.cli import build_parser, main
from tests.fuzz.strategies import (
    PLANTED,
    PLANTED_ARG,
    PLANTED_ENV_NAME,
    PLANTED_ENV_VALUE,
    PLANTED_LITERAL,
    PROFILE,
    nasty_text,
)

SPEC_YAML = f"""\
environment: sandbox
auth: {{mode: app_token, app_token: "env://{PLANTED_ENV_NAME}"}}
webhooks: {{secret: "{PLANTED_LITERAL}"}}
endpoints: {{api: "https://127.0.0.1:9"}}
retry: {{max_attempts: 1}}
http: {{connect_timeout_s: 2, read_timeout_s: 2}}
"""


def _parser_vocabulary() -> tuple[list[str], list[str], list[str]]:
    """Commands, sub-actions and every option string, read from the real parser."""
    parser = build_parser()
    commands: list[str] = []
    actions: list[str] = []
    options: set[str] = set()

    def walk(node: argparse.ArgumentParser, depth: int) -> None:
        for action in node._actions:
            options.update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    (commands if depth == 0 else actions).append(name)
                    walk(sub, depth + 1)
            elif action.choices and not action.option_strings:
                actions.extend(str(choice) for choice in action.choices)

    walk(parser, 0)
    return commands, sorted(set(actions)), sorted(options)


COMMANDS, ACTIONS, OPTIONS = _parser_vocabulary()
# Would block (serve forever), read stdin, or call AWS: not something argv fuzzing exercises.
_NEVER = {"--from-stdin", "--queue-url"}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-cli")
    (root / "spec.yaml").write_text(SPEC_YAML, encoding="utf-8")
    (root / "value.txt").write_text(f"{PLANTED_ARG}\n", encoding="utf-8")
    return root


@st.composite
def argvs(draw: st.DrawFn, root: Path) -> list[str]:
    values = st.one_of(
        nasty_text.filter(lambda text: "\x00" not in text),
        st.just(PLANTED_ARG),
        st.sampled_from(["GET", "post", "/banks/v1/", "banks", "0", "-1", "1e9", "json"]),
        st.sampled_from(["2024-02-30", "2024-01-01", "r1\n", "../up", "auth.app_token"]),
        st.sampled_from([str(root / "spec.yaml"), str(root / "missing.yaml"), str(root)]),
        st.sampled_from([str(root / "out"), str(root / "value.txt"), "mtls.certificate"]),
    )
    tokens = st.one_of(
        st.sampled_from(COMMANDS), st.sampled_from(ACTIONS), st.sampled_from(OPTIONS), values
    )
    argv = [draw(st.sampled_from(COMMANDS) | values)]
    argv += draw(st.lists(tokens, max_size=7))
    assume(not _NEVER & set(argv))
    assume(not ("sandbox" in argv and any(a.startswith("--out") for a in argv)))
    return argv


@contextlib.contextmanager
def _environment(root: Path) -> Iterator[None]:
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.upper().startswith(("LEAN_", "AWS_ENDPOINT_URL")):
            del os.environ[name]
    os.environ[PLANTED_ENV_NAME] = PLANTED_ENV_VALUE
    # Without --spec the commands read this one, so most argv get past loading a spec.
    os.environ["LEAN_CONNECTOR_SPEC"] = str(root / "spec.yaml")
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_main(argv: list[str], cwd: Path) -> tuple[int, str, str]:
    """main(argv) in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(b""))
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            saved_stdin, sys.stdin = sys.stdin, stdin
            try:
                code: Any = main(argv)
            except SystemExit as exc:  # argparse: --help, --version, usage errors
                code = exc.code if isinstance(exc.code, int) else 2
            finally:
                sys.stdin = saved_stdin
    finally:
        os.chdir(previous)
    return code, out.getvalue(), err.getvalue()


def check(argv: list[str], root: Path) -> None:
    with _environment(root):
        code, out, err = run_main(argv, root)
    shown = out + err
    assert code in (0, 1, 2), (argv, code, err[-2000:])
    assert "internal error" not in err, (argv, err[-2000:])
    assert "Traceback" not in err, (argv, err[-2000:])
    for planted in PLANTED:
        if planted == PLANTED_ARG and code != 2:
            continue  # data the command was given may be printed back as data
        assert planted not in shown, (argv, planted, shown[-2000:])


@PROFILE
@given(data=st.data())
@example(data=None)
def test_any_argv_gets_its_exit_code_and_never_shows_a_secret(workspace: Path, data: Any) -> None:
    if data is None:  # the examples that reach the deepest code paths, always run
        for argv in (
            ["validate", "--spec", str(workspace / "spec.yaml")],
            ["secrets", "check", "--spec", str(workspace / "spec.yaml"), "-vv"],
            ["request", "GET", "/banks/v1/", "--spec", str(workspace / "spec.yaml")],
            ["doctor", "--spec", str(workspace / "spec.yaml")],
            [PLANTED_ARG],
            ["secrets", "put", "webhooks.secret", "--from-file", str(workspace / "value.txt")],
        ):
            check(argv, workspace)
        return
    check(data.draw(argvs(workspace)), workspace)

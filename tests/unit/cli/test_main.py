"""The command table: each command's --help, options it refuses, the level it logs at."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pytest

from lean_connector.cli import COMMANDS, build_parser, main
from lean_connector.cli import _common as common


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_command_help_has_a_description_and_an_example(command: object) -> None:
    sub = _subparsers(build_parser())[command.name]  # type: ignore[attr-defined]
    text = sub.format_help()
    assert command.description.split(".")[0].split()[0] in text  # type: ignore[attr-defined]
    examples = [line for line in text.split("examples:\n", 1)[1].splitlines() if line.strip()]
    assert examples, text
    assert all(f"lean-connector {command.name}" in line for line in examples), text  # type: ignore[attr-defined]
    assert "-v, --verbose" in text
    assert "--log-level LEVEL" in text
    assert ("--spec FILE" in text) is command.uses_spec  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "argv",
    [
        ["schema", "--spec", "lean.yaml"],
        ["--spec", "lean.yaml", "schema"],
        ["sandbox", "--out", "x", "--spec", "lean.yaml"],
        ["--spec", "lean.yaml", "sandbox", "--out", "x"],
    ],
)
def test_a_command_that_reads_no_spec_refuses_one(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    name = "schema" if "schema" in argv else "sandbox"
    assert f"error: {name} does not read a spec: drop --spec" in capsys.readouterr().err


def _level_after(argv: list[str], *, interactive: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(common, "_interactive", lambda: interactive)
    assert main(argv) == 0
    return logging.getLevelName(logging.getLogger("lean_connector").level)


@pytest.mark.parametrize(
    ("flags", "interactive", "level"),
    [
        ([], True, "WARNING"),  # a terminal: quiet
        ([], False, "INFO"),  # a pipe, CI, Lambda: INFO JSON
        (["-v"], True, "INFO"),
        (["-vv"], True, "DEBUG"),
        (["--log-level", "error"], False, "ERROR"),
    ],
)
def test_the_log_level_comes_from_the_flags_else_from_where_stderr_goes(
    flags: list[str],
    interactive: bool,
    level: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        _level_after(["schema", *flags], interactive=interactive, monkeypatch=monkeypatch) == level
    )
    # Before the command name, too.
    assert (
        _level_after([*flags, "schema"], interactive=interactive, monkeypatch=monkeypatch) == level
    )


def test_off_a_terminal_the_specs_level_applies_unless_a_flag_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "lean.yaml"
    spec.write_text(
        "environment: sandbox\nauth: {mode: app_token, app_token: env://APP_TOKEN}\n"
        "logging: {level: WARNING}\n"
    )
    argv = ["validate", "--spec", str(spec)]
    assert _level_after(argv, interactive=False, monkeypatch=monkeypatch) == "WARNING"
    assert _level_after([*argv, "-v"], interactive=False, monkeypatch=monkeypatch) == "INFO"
    assert _level_after(argv, interactive=True, monkeypatch=monkeypatch) == "WARNING"


def test_the_cli_prints_other_libraries_warnings_through_its_redacting_handler(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(common, "_interactive", lambda: False)
    main(["schema"])
    capsys.readouterr()
    logging.getLogger("urllib3.connectionpool").warning("retrying with Bearer abc.def")
    err = capsys.readouterr().err
    assert '"event": "retrying with Bearer [REDACTED]"' in err
    assert '"logger": "urllib3.connectionpool"' in err


@pytest.mark.parametrize(
    ("command", "action"),
    [("secrets", "check"), ("secrets", "put"), ("sync", "plan"), ("sync", "status")],
)
def test_every_action_help_has_a_description_and_an_example(command: str, action: str) -> None:
    text = _subparsers(_subparsers(build_parser())[command])[action].format_help()
    description = text.split("\n\n")[1]
    assert len(description.split()) > 10, text
    examples = [line for line in text.split("examples:\n", 1)[1].splitlines() if line.strip()]
    assert examples
    assert all(line.startswith(f"  lean-connector {command} {action} ") for line in examples), text
    assert "-v, --verbose" in text

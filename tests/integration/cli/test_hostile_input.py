"""Hostile or mistaken input to `lean-connector`, run as users run it (a real subprocess):
every case ends with a clear one-line error and exit 2, never "internal error", and no
value typed by mistake (a pasted secret) is echoed back.
"""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from lean_connector.cli import main
from tests.support.cli import run_cli as run

pytestmark = pytest.mark.integration

PASTED = "sk_live_9f8e7d6c5b4a3f2e1d0c"  # what a user pastes where a command word goes
SPEC = "environment: sandbox\nauth: {mode: app_token, app_token: env://T}\n"


def _usage_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def _spec(tmp_path: Path, text: str) -> str:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- 12: usage errors never echo an invalid choice ----------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [PASTED],
        ["request", PASTED, "/banks/v1/"],
        ["doctor", "--format", PASTED],
        ["secrets", PASTED],
        ["link-session", "--app-user-id", "u", "--permission", PASTED],
        ["--log-level", PASTED, "validate"],
        ["sync", "--workers", PASTED],
        ["sync", "--days", PASTED],
        ["sync", "--start-date", PASTED],
        ["validate", f"--{PASTED}"],
        ["validate", PASTED],
    ],
    ids=lambda argv: " ".join(a.replace(PASTED, "<pasted>") for a in argv),
)
def test_usage_errors_never_echo_what_was_typed(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # In process (argparse is all that runs); the subprocess below proves the same end to end.
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert PASTED not in captured.out + captured.err
    assert PASTED.upper() not in captured.err
    assert "error:" in captured.err


def test_an_invalid_choice_still_lists_the_valid_ones() -> None:
    stderr = _usage_error(run("doctor", "--format", PASTED))
    assert PASTED not in stderr
    assert "invalid choice" in stderr
    assert "table" in stderr
    assert "json" in stderr


# --- 9: malformed input ends with exit 2 -----------------------------------------------------


DEEP_YAML = SPEC + "sync: " + "[" * 5000 + "]" * 5000 + "\n"
CASES = {
    "yaml-mapping-as-key": (SPEC + "{a: 1}: x\n", {}),
    "yaml-5000-deep": (DEEP_YAML, {}),
    "json-5000-deep-in-env": (SPEC, {"LEAN_AUTH": "[" * 5000 + "]" * 5000}),
    "read-timeout-inf": (SPEC + "http: {read_timeout_s: .inf}\n", {}),
    "nul-in-file-reference": (
        'environment: sandbox\nauth: {mode: app_token, app_token: "file:///tmp/a\\0b"}\n',
        {},
    ),
    "version-bad": (
        'environment: sandbox\nauth: {mode: app_token, app_token: "aws-sm://x?version=bad"}\n',
        {},
    ),
    "env-names-differing-in-case": (SPEC, {"LEAN_REGION": "ae", "lean_region": "sa"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_input_is_exit_2_with_one_clear_line(tmp_path: Path, case: str) -> None:
    text, env = CASES[case]
    # secrets check resolves references, where a bad version= used to reach botocore.
    command = ["secrets", "check"] if "reference" in case or "version" in case else ["request"]
    if command == ["request"]:
        command += ["GET", "/banks/v1/"]
    result = run(*command, "--spec", _spec(tmp_path, text), env={"T": "x", **env})
    stderr = _usage_error(result)
    assert stderr.strip().splitlines()[-1].startswith("error: ")
    assert "\x00" not in stderr


def test_yaml_merge_keys_work(tmp_path: Path) -> None:
    text = "environment: sandbox\nauth:\n  <<: {mode: app_token}\n  app_token: env://T\n"
    result = run("validate", "--spec", _spec(tmp_path, text), env={"T": "x"})
    assert result.returncode == 0, result.stderr
    assert "app_token" in result.stdout


def test_a_run_id_with_a_newline_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(
        "sync", "--spec", _spec(tmp_path, SPEC), "--output", str(out), "--run-id", "r1\n",
        env={"T": "x"},
    )  # fmt: skip
    assert "run_id must be" in _usage_error(result)
    assert not out.exists() or list(out.iterdir()) == []


# --- 6: a base64-encoded key is refused and never printed -----------------------------------


def _base64_key() -> str:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return base64.b64encode(pem).decode()


def test_validate_refuses_a_base64_key_in_a_reference_field_without_printing_it(
    tmp_path: Path,
) -> None:
    encoded = _base64_key()
    text = SPEC + f"mtls: {{ca_chain: {encoded}}}\n"
    stderr = _usage_error(run("validate", "--spec", _spec(tmp_path, text), env={"T": "x"}))
    assert "mtls.ca_chain holds private key material" in stderr
    assert encoded[:32] not in stderr


def test_validate_prints_a_base64_key_in_any_other_field_redacted(tmp_path: Path) -> None:
    encoded = _base64_key()
    text = SPEC + f"sync: {{output: {encoded}}}\n"
    result = run("validate", "--spec", _spec(tmp_path, text), env={"T": "x"})
    assert result.returncode == 0, result.stderr
    assert "<literal, redacted>" in result.stdout
    assert encoded[:32] not in result.stdout + result.stderr


# --- 10: sandbox --out never follows a symlink -----------------------------------------------


def test_sandbox_refuses_a_symlink_planted_in_its_output_folder(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "bundle"
    out.mkdir(mode=0o700)
    (out / "client_key.pem").symlink_to(victim)
    stderr = _usage_error(run("sandbox", "--out", str(out), timeout_s=60))
    assert "symbolic link" in stderr
    assert victim.read_text() == "keep me"
    assert (out / "client_key.pem").is_symlink()  # left for the user to look at


def test_sandbox_refuses_an_output_folder_that_is_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "bundle"
    link.symlink_to(target)
    stderr = _usage_error(run("sandbox", "--out", str(link), timeout_s=60))
    assert "symbolic link" in stderr
    assert os.listdir(target) == []

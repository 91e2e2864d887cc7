"""lean_connector.logs.configure_logging: the output the connector installs when nobody else has."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator

import pytest

from lean_connector import logs
from lean_connector.errors import SpecError


@pytest.fixture(autouse=True)
def _unconfigure() -> Iterator[None]:
    yield
    logs.clear_context()
    logs.unconfigure_logging()


def test_json_lines_carry_level_timestamp_logger_and_no_secret() -> None:
    stream = io.StringIO()
    secret = "s3cr3t-json-line-0001"
    logs.register_secret(secret)
    assert logs.configure_logging("INFO", "json", stream=stream) is True
    logs.get_logger("lean_connector.test").info(
        "secret.resolved", ref="aws-sm://lean/dev/app#app_token", note=f"got {secret}"
    )
    line = stream.getvalue()
    assert secret not in line
    record = json.loads(line)
    assert record["event"] == "secret.resolved"
    assert record["level"] == "info"
    assert record["logger"] == "lean_connector.test"
    assert record["ref"] == "aws-sm://lean/dev/app#app_token"
    assert record["note"] == "got [REDACTED]"
    assert record["timestamp"].endswith("Z")


def test_exception_tracebacks_are_redacted_before_rendering() -> None:
    stream = io.StringIO()
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    logs.configure_logging("INFO", "json", stream=stream)
    try:
        raise RuntimeError(f"refused {token}")
    except RuntimeError:
        logs.get_logger("lean_connector.auth").exception("auth.failed")
    line = stream.getvalue()
    assert token not in line
    record = json.loads(line)
    assert record["level"] == "error"
    assert "RuntimeError: refused [REDACTED JWT]" in record["exception"]
    assert "Traceback" in record["exception"]


def test_console_format_redacts_too() -> None:
    stream = io.StringIO()
    logs.configure_logging("INFO", "console", stream=stream)
    logs.get_logger("lean_connector.auth").info(
        "auth.token_refreshed", access_token="eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", ttl=3599
    )
    output = stream.getvalue()
    assert "auth.token_refreshed" in output
    assert "access_token=[REDACTED]" in output
    assert "ttl=3599" in output
    assert not output.lstrip().startswith("{")


def test_auto_format_is_json_on_a_non_tty_stream() -> None:
    stream = io.StringIO()
    logs.configure_logging("INFO", "auto", stream=stream)
    logs.get_logger("lean_connector.x").info("x.y")
    assert json.loads(stream.getvalue())["event"] == "x.y"


def _read_pty(master: int) -> str:
    os.set_blocking(master, False)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


@pytest.mark.parametrize(("on_lambda", "expect_json"), [(False, False), (True, True)])
def test_auto_format_on_a_real_tty_is_console_unless_on_lambda(
    monkeypatch: pytest.MonkeyPatch, on_lambda: bool, expect_json: bool
) -> None:
    if on_lambda:
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "lean-webhook")
    else:
        monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    master, replica = os.openpty()
    with os.fdopen(replica, "w") as tty:
        assert tty.isatty()
        logs.configure_logging("INFO", "auto", stream=tty)
        logs.get_logger("lean_connector.t").info("tty.event", password="pw-123456")
        tty.flush()
        output = _read_pty(master)
    os.close(master)
    assert "tty.event" in output
    assert "pw-123456" not in output
    assert output.lstrip().startswith("{") is expect_json


def test_level_filters_events() -> None:
    stream = io.StringIO()
    logs.configure_logging("warning", "json", stream=stream)
    log = logs.get_logger("lean_connector.t")
    log.info("dropped")
    log.warning("kept")
    assert [json.loads(x)["event"] for x in stream.getvalue().splitlines()] == ["kept"]


def test_configure_is_idempotent_and_loggers_created_before_follow_it() -> None:
    log = logs.get_logger("lean_connector.created.before.configure")
    first, second = io.StringIO(), io.StringIO()
    logs.configure_logging("INFO", "json", stream=first)
    logs.configure_logging("DEBUG", "json", stream=second)
    logs.configure_logging("DEBUG", "json", stream=second)
    log.debug("once")
    assert first.getvalue() == ""
    assert [json.loads(x)["event"] for x in second.getvalue().splitlines()] == ["once"]
    assert len(logging.getLogger("lean_connector").handlers) == 1


def test_unconfigure_leaves_the_logger_tree_as_it_found_it() -> None:
    connector_logger = logging.getLogger("lean_connector")
    logs.configure_logging("DEBUG", "json", stream=io.StringIO())
    logs.unconfigure_logging()
    assert connector_logger.handlers == []
    assert connector_logger.level == logging.NOTSET
    assert connector_logger.propagate is True


def test_noisy_stdlib_loggers_stay_at_warning_even_at_debug() -> None:
    logs.configure_logging("DEBUG", "json", stream=io.StringIO())
    for name in ("urllib3", "botocore", "boto3", "s3transfer"):
        assert logging.getLogger(name).level == logging.WARNING
        assert not logging.getLogger(f"{name}.connectionpool").isEnabledFor(logging.DEBUG)


def test_logs_go_to_stderr_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure_logging("INFO", "json")
    logs.get_logger("lean_connector.t").info("to.stderr")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert json.loads(captured.err)["event"] == "to.stderr"


def test_bad_level_and_format_are_spec_errors_naming_the_field() -> None:
    with pytest.raises(SpecError, match=r"logging.level 'LOUD' is not a log level") as level:
        logs.configure_logging("LOUD")
    assert level.value.field == "logging.level"
    with pytest.raises(SpecError, match=r"logging.format 'xml' is not supported: use auto") as fmt:
        logs.configure_logging("INFO", "xml")
    assert fmt.value.field == "logging.format"


def test_our_handler_gives_way_when_the_application_configures_logging_later() -> None:
    ours, theirs = io.StringIO(), io.StringIO()
    logs.configure_logging("INFO", "json", stream=ours)
    log = logs.get_logger("lean_connector.t")
    log.info("before.basic_config")
    handler = logging.StreamHandler(theirs)
    logging.getLogger().addHandler(handler)
    try:
        log.info("after.basic_config")
    finally:
        logging.getLogger().removeHandler(handler)
    assert [json.loads(x)["event"] for x in ours.getvalue().splitlines()] == ["before.basic_config"]
    assert theirs.getvalue() == "after.basic_config\n"


class LambdaLoggerHandler(logging.Handler):
    """Stands for the handler the Lambda Python runtime puts on the root logger."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


LambdaLoggerHandler.__module__ = "awslambdaric.bootstrap"


def test_on_lambda_events_are_json_once_not_repeated_by_the_runtimes_text_handler(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "lean-sync")
    runtime = LambdaLoggerHandler()
    root = logging.getLogger()
    root.addHandler(runtime)
    try:
        assert logs.configure_logging(None, "auto") is True
        logs.get_logger("lean_connector.sync").info("sync.started", run_id="r1")
        logging.getLogger("app").warning("the application's own line")
    finally:
        root.removeHandler(runtime)
    assert json.loads(capsys.readouterr().err)["event"] == "sync.started"
    assert runtime.lines == ["the application's own line"]
    logs.unconfigure_logging()
    assert logging.getLogger("lean_connector").propagate is True


def test_the_cli_form_installs_on_the_root_and_redacts_other_libraries_records() -> None:
    stream = io.StringIO()
    logs.register_secret("foreign-secret-42")
    logs.configure_logging("INFO", "json", stream=stream, logger="")
    try:
        raise ValueError("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln in a traceback")
    except ValueError:
        logging.getLogger("somelib").warning(
            "retrying with %s", "Bearer foreign-secret-42", exc_info=True
        )
    record = json.loads(stream.getvalue())
    assert record["event"] == "retrying with Bearer [REDACTED]"
    assert record["logger"] == "somelib"
    assert record["level"] == "warning"
    assert "ValueError: [REDACTED JWT] in a traceback" in record["exception"]
    assert "foreign-secret-42" not in stream.getvalue()


def test_redacting_filter_cleans_records_on_an_applications_own_handler() -> None:
    theirs = io.StringIO()
    handler = logging.StreamHandler(theirs)
    handler.addFilter(logs.RedactingFilter())
    other = logging.getLogger("somelib.client")
    other.addHandler(handler)
    other.propagate = False
    try:
        other.warning("sent Authorization: Bearer abc.def.ghi")
    finally:
        other.removeHandler(handler)
        other.propagate = True
    assert theirs.getvalue() == "sent Authorization: Bearer [REDACTED]\n"

"""lean_connector.logs: events through stdlib logging, nothing configured on import, capture."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest
import structlog

from lean_connector import logs


class _Records(logging.Handler):
    """An application's handler: keeps the records it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def app_handler() -> Iterator[_Records]:
    """A handler on the root logger, as ``logging.basicConfig`` would install."""
    handler = _Records()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        logs.unconfigure_logging()


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**environ, **env},
        check=True,
    )


def test_importing_every_public_module_changes_no_logging_configuration() -> None:
    # The state an application could observe: root and every existing logger's level,
    # handlers, filters, propagation; and whether structlog was configured.
    done = _run(
        """
        import importlib, json, logging, pkgutil, structlog
        import lean_connector

        def state():
            loggers = {"": logging.getLogger()}
            loggers.update(
                (name, obj) for name, obj in logging.root.manager.loggerDict.items()
                if isinstance(obj, logging.Logger)
            )
            return {
                name: [
                    logger.level,
                    [repr(h) for h in logger.handlers],
                    [repr(f) for f in logger.filters],
                    logger.propagate,
                    logger.disabled,
                ]
                for name, logger in loggers.items()
            }, structlog.is_configured(), logging.lastResort is not None

        before, configured_before, _ = state()
        imported = []
        for info in pkgutil.walk_packages(lean_connector.__path__, "lean_connector."):
            if any(part.startswith("_") for part in info.name.split(".")):
                continue
            importlib.import_module(info.name)
            imported.append(info.name)
        after, configured_after, _ = state()
        changed = {
            name: (before.get(name), value)
            for name, value in after.items()
            # Our loggers may be created by an import, but left at their defaults. Other
            # libraries' new loggers are theirs (requests adds a NullHandler to its own).
            if (name in before or name.split(".")[0] == "lean_connector")
            and before.get(name, [0, [], [], True, False]) != value
        }
        print(json.dumps({
            "imported": imported,
            "changed": changed,
            "structlog": [configured_before, configured_after],
        }))
        """
    )
    result = json.loads(done.stdout)
    assert "lean_connector.logs" in result["imported"]
    assert "lean_connector.aws_lambda" in result["imported"]
    assert "lean_connector.cli" in result["imported"]
    assert "lean_connector.testing.pytest_plugin" in result["imported"]
    assert result["changed"] == {}
    assert result["structlog"] == [False, False]
    assert done.stderr == ""


def test_an_applications_handler_receives_events_readable_structured_and_redacted(
    app_handler: _Records,
) -> None:
    secret = "app-secret-value-1234"
    logs.register_secret(secret)
    logging.getLogger().setLevel(logging.INFO)  # as logging.basicConfig(level=INFO) does
    assert logs.configure_logging(None, "json") is False  # the application owns the output

    def call_lean() -> None:
        logs.get_logger("lean_connector.transport").info(
            "http.request", method="GET", path="/banks/v1/", status=200, note=f"saw {secret}"
        )

    call_lean()
    (record,) = app_handler.records
    assert record.name == "lean_connector.transport"
    assert record.levelno == logging.INFO
    assert record.getMessage() == (
        'http.request method=GET path=/banks/v1/ status=200 note="saw [REDACTED]"'
    )
    assert (record.method, record.status, record.note) == ("GET", 200, "saw [REDACTED]")  # type: ignore[attr-defined]
    assert record.funcName == "call_lean"  # the caller, not structlog's internals
    assert not record.exc_info


def test_an_exception_reaches_the_applications_handler_as_redacted_text_only(
    app_handler: _Records,
) -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    logs.configure_logging(None)
    try:
        raise RuntimeError(f"refused {token}")
    except RuntimeError:
        logs.get_logger("lean_connector.auth").exception("auth.failed")
    (record,) = app_handler.records
    assert record.levelno == logging.ERROR
    # Logger.exception() would attach the raw exception: a plain formatter would print it.
    assert not record.exc_info
    text = logging.Formatter("%(message)s").format(record)
    assert "RuntimeError: refused [REDACTED JWT]" in text
    assert token not in text


def test_a_field_named_like_a_record_attribute_is_kept_under_another_name(
    app_handler: _Records,
) -> None:
    logs.configure_logging(None)
    logs.get_logger("lean_connector.aws_lambda").warning("lambda.failed", message="m", name="n")
    (record,) = app_handler.records
    assert (record.message_, record.name_) == ("m", "n")  # type: ignore[attr-defined]
    assert record.name == "lean_connector.aws_lambda"


def test_the_level_comes_from_the_application_unless_the_spec_sets_one(
    app_handler: _Records,
) -> None:
    logging.getLogger().setLevel(logging.WARNING)
    log = logs.get_logger("lean_connector.client")
    logs.configure_logging(None)  # a spec without logging.level
    log.info("dropped")
    log.warning("kept")
    logs.configure_logging("DEBUG")  # logging.level: DEBUG in the spec
    log.debug("asked.for")
    assert [r.getMessage() for r in app_handler.records] == ["kept", "asked.for"]


def test_a_level_the_application_set_on_lean_connector_is_kept(app_handler: _Records) -> None:
    connector_logger = logging.getLogger("lean_connector")
    connector_logger.setLevel(logging.ERROR)
    try:
        logs.configure_logging(None)
        assert connector_logger.level == logging.ERROR
    finally:
        connector_logger.setLevel(logging.NOTSET)


def test_with_nothing_configured_only_warnings_print_and_they_are_redacted() -> None:
    done = _run(
        """
        from lean_connector.logs import get_logger
        log = get_logger("lean_connector.early")
        log.info("not.shown", n=1)
        log.warning("early.event", client_secret="pw-123456", n=1)
        """
    )
    assert done.stdout == ""
    # logging's last-resort handler prints the message: the readable line, redacted.
    assert done.stderr == "early.event client_secret=[REDACTED] n=1\n"


def test_an_applications_structlog_configuration_neither_changes_nor_skips_redaction() -> None:
    done = _run(
        """
        import logging, structlog
        logging.basicConfig(level=logging.INFO, format="%(name)s|%(message)s")
        structlog.configure(processors=[structlog.processors.JSONRenderer()])
        from lean_connector.logs import get_logger
        get_logger("lean_connector.auth").info("auth.token_refreshed", access_token="tok-123456")
        print(structlog.get_config()["processors"])
        """
    )
    assert done.stderr == "lean_connector.auth|auth.token_refreshed access_token=[REDACTED]\n"
    processors = done.stdout.strip()  # the application's one processor, nothing added
    assert processors.startswith("[<structlog.processors.JSONRenderer object at 0x")
    assert processors.count("<") == 1
    assert "tok-123456" not in done.stdout + done.stderr


def test_bound_context_is_on_every_event_until_cleared() -> None:
    log = logs.get_logger("lean_connector.t")
    with logs.capture_logs() as events:
        logs.bind_context(aws_request_id="req-1", cold_start=True)
        log.info("one")
        log.info("two", token="eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
        logs.clear_context()
        log.info("three")
    assert [e.get("aws_request_id") for e in events] == ["req-1", "req-1", None]
    assert events[1]["token"] == "[REDACTED]"


def test_capture_logs_sees_redacted_events_at_all_levels_and_nothing_reaches_handlers(
    app_handler: _Records,
) -> None:
    logs.configure_logging("WARNING")
    log = logs.get_logger("lean_connector.t")
    with logs.capture_logs() as events:
        log.debug("debug.event", password="pw-123456")
        try:
            raise ValueError("with eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
        except ValueError:
            log.exception("failed")
        assert logs.configure_logging("DEBUG") is False  # a cold start inside the block
    assert app_handler.records == []
    assert events[0]["event"] == "debug.event"
    assert events[0]["log_level"] == events[0]["level"] == "debug"
    assert events[0]["logger"] == "lean_connector.t"
    assert events[0]["password"] == "[REDACTED]"
    assert events[1]["log_level"] == "error"
    assert "ValueError: with [REDACTED JWT]" in events[1]["exception"]
    log.warning("after")
    assert [r.getMessage() for r in app_handler.records] == ["after"]
    assert logging.getLogger("lean_connector").level == logging.WARNING


def test_capture_logs_collects_from_other_threads_too() -> None:
    import threading

    log = logs.get_logger("lean_connector.worker")
    with logs.capture_logs() as events:
        worker = threading.Thread(target=lambda: log.info("from.thread"))
        worker.start()
        worker.join()
    assert [e["event"] for e in events] == ["from.thread"]


def test_structlog_global_configuration_is_never_touched() -> None:
    was_configured = structlog.is_configured()
    logs.configure_logging("INFO", "json")
    logs.get_logger("lean_connector.t").info("x")
    with logs.capture_logs():
        logs.get_logger("lean_connector.t").info("y")
    logs.unconfigure_logging()
    assert structlog.is_configured() is was_configured

"""The terminal progress bar of a sync run: the one module that imports tqdm.

Imported only when a bar is drawn (a terminal), so a Lambda or a pipe never loads tqdm.
While the bar is up, console log handlers write through ``tqdm.write``, so a warning is
printed above the bar and the bar is redrawn below it instead of being broken in two.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Any, TextIO

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

__all__ = ["TerminalBar"]

# count/total, percentage, elapsed<ETA, rate; failures as a postfix once there are some.
_FORMAT = (
    "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
    "[{elapsed}<{remaining}, {rate_fmt}]{postfix}"
)


def _console_loggers() -> list[logging.Logger]:
    """The loggers holding a handler that writes to the terminal (root, lean_connector)."""
    found = []
    for logger in (logging.getLogger(), logging.getLogger("lean_connector")):
        if any(
            isinstance(h, logging.StreamHandler) and h.stream in (sys.stdout, sys.stderr)
            for h in logger.handlers
        ):
            found.append(logger)
    return found


def _size_options(stream: TextIO) -> dict[str, Any]:
    """Follow the terminal's size; a terminal that reports none (a ``script`` or CI pty of
    size 0x0) gets 80x24 instead, or tqdm would draw nothing at all."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        size = os.terminal_size((0, 0))
    if size.columns > 0 and size.lines > 0:
        return {"dynamic_ncols": True}
    return {"ncols": size.columns or 80, "nrows": size.lines or 24}


class TerminalBar:
    """``with TerminalBar(stream) as bar``: a counter while listing, then the bar."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._exit = contextlib.ExitStack()
        self._bar: Any = None

    def __enter__(self) -> TerminalBar:
        loggers = _console_loggers()
        if loggers:  # each listed logger gets a tqdm handler: only those that print
            self._exit.enter_context(logging_redirect_tqdm(loggers=loggers))
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        self._exit.close()

    def listing(self, found: int) -> None:
        """Entities found so far, before the total is known (left off the screen after)."""
        if self._bar is None:
            self._bar = tqdm(
                desc="listing entities",
                bar_format="{desc}: {n_fmt} found [{elapsed}]",
                file=self._stream,
                leave=False,
                delay=0.5,  # a quick listing never shows
                **_size_options(self._stream),
            )
        self._bar.update(found - self._bar.n)

    def start(self, total: int, done: int) -> None:
        """The bar proper: ``total`` entities, ``done`` of them finished by an earlier attempt
        (counted, but not in the rate)."""
        if self._bar is not None:
            self._bar.close()
        self._bar = tqdm(
            total=total,
            initial=done,
            desc="sync",
            unit=" entities",
            file=self._stream,
            bar_format=_FORMAT,
            smoothing=0.1,
            **_size_options(self._stream),
        )

    def update(self, done: int, failed: int) -> None:
        """``done`` entities finished so far (ok, failed or skipped), ``failed`` of them failed."""
        if self._bar is None:
            return
        if failed:
            self._bar.set_postfix_str(f"{failed} failed", refresh=False)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

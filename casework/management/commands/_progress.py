"""A plain progress line on standard error for long operator commands."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from django.core.management.base import OutputWrapper


class Progress:
    """``done/total`` with a bar, rewritten in place on a terminal, one line per update
    (at most every ``every`` seconds) otherwise."""

    WIDTH = 30

    def __init__(
        self,
        label: str,
        total: int,
        stream: TextIO | OutputWrapper | None = None,
        every: float = 1.0,
    ):
        self.label = label
        self.total = max(total, 0)
        self.stream = stream or sys.stderr
        self.every = every
        self.done = 0
        self._last = 0.0
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last >= self.every or self.done >= self.total:
            self._last = now
            self._draw()

    def _draw(self) -> None:
        share = self.done / self.total if self.total else 1.0
        filled = int(self.WIDTH * min(share, 1.0))
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = f"{self.label} [{bar}] {self.done}/{self.total}"
        self._write(("\r" + line) if self._tty else (line + "\n"))

    def finish(self) -> None:
        if self._tty:
            self._write("\n")

    def _write(self, text: str) -> None:
        # A command's self.stderr (OutputWrapper) ends every write with a newline unless told
        # otherwise, which would break the line rewritten in place on a terminal.
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()

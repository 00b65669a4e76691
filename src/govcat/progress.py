"""A progress line for long jobs, shown only on a terminal (logs and pipes stay quiet)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_BAR = 24


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class Progress:
    """Counts files and data items; redraws one line at most every ``interval`` seconds.

    The ETA is by files, the rate by data items: submissions differ in size, but a province's batch has
    hundreds of them, so the file rate settles quickly while items/s is what people compare runs by.
    """

    def __init__(self, total: int, *, stream: TextIO | None = None, interval: float = 0.2) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.interval = interval
        self.files = 0
        self.items = 0
        self.start = time.monotonic()
        self._drawn = 0.0

    def advance(self, items: int) -> None:
        self.files += 1
        self.items += items
        now = time.monotonic()
        if self.enabled and (now - self._drawn >= self.interval or self.files == self.total):
            self._drawn = now
            self.stream.write("\r" + self.line(now) + "\x1b[K")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self.start, 1e-9)
        done = self.files / self.total if self.total else 1.0
        filled = int(done * _BAR)
        rate = self.items / elapsed
        left = elapsed / self.files * (self.total - self.files) if self.files else 0.0
        return (f"[{'#' * filled}{'-' * (_BAR - filled)}] {self.files}/{self.total} 个文件 / files · "
                f"{self.items:,} 个信息项 / items · {rate:,.0f} 项每秒 / items/s · "
                f"剩余 / ETA {_duration(left)}")

    def close(self) -> None:
        if self.enabled and self.files:
            self.stream.write("\n")
            self.stream.flush()

"""Timing and peak-memory helpers for benchmark scripts (never used by tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psutil


@dataclass
class Measured:
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    result: Any = None


@contextmanager
def measure() -> Iterator[Measured]:
    """Wall time and peak resident memory of this process (sampled every 50 ms) over a block."""
    proc = psutil.Process()
    out = Measured()
    peak = [proc.memory_info().rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            stop.wait(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    start = time.perf_counter()
    try:
        yield out
    finally:
        out.seconds = time.perf_counter() - start
        stop.set()
        t.join()
        out.peak_rss_mb = max(peak[0], proc.memory_info().rss) / 2**20


def timed(fn: Callable[[], Any]) -> Measured:
    with measure() as m:
        m.result = fn()
    return m

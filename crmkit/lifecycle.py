"""How a long-running worker (relay, consumer) lives: stops on SIGTERM/SIGINT, and comes back
with growing pauses when what it depends on goes away."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


def stop_on_signals(stop: Callable[[], None]) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop())


def keep_running(run_once: Callable[[], None], stopping: Callable[[], bool], what: str) -> None:
    """Calls `run_once` until `stopping()`; a failure or return waits 0.5 s, doubling to 15 s,
    and a life of over 30 s resets the pause."""
    pause = 0.5
    while not stopping():
        started = time.monotonic()
        try:
            run_once()
        except Exception:
            log.exception(f"{what} failed")
        if stopping():
            return
        pause = 0.5 if time.monotonic() - started > 30 else min(pause * 2, 15.0)
        log.warning(f"{what} lost its connection; trying again", extra={"in_seconds": pause})
        time.sleep(pause)

"""Work that `crmhub serve` does on its own, every so many seconds, in a background thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable


class Periodic:
    """Calls `work()` every `interval` seconds until `stop()`, and logs `done % count`
    when it returns a count above 0 (logger `crmhub.<name>`, thread `crmhub-<name>`). A
    round that fails is logged; the next one retries."""

    def __init__(self, name: str, work: Callable[[], int], *, interval: float,
                 done: str) -> None:
        self.name = name
        self.work = work
        self.interval = interval
        self.done = done
        self.logger = logging.getLogger(f"crmhub.{name}")
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start, unless the interval is 0 (never)."""
        if self.interval > 0:
            self._thread = threading.Thread(target=self._run, name=f"crmhub-{self.name}", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                count = self.work()
            except Exception:  # noqa: BLE001 - keep going; the next round retries
                self.logger.exception("failed; the next round retries")
                continue
            if count:
                self.logger.info(self.done, count)

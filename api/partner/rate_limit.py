"""A token bucket per partner token (its `jti`): `CRMHUB_PARTNER_RATE_LIMIT` requests a
minute, with bursts of `CRMHUB_PARTNER_RATE_BURST`.

Each process keeps its own buckets in memory: behind N processes a token may make up to
N times the limit. Buckets of tokens idle long enough to be full again are dropped.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Look for full, idle buckets to drop every so many requests.
SWEEP_EVERY = 1000


@dataclass
class Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, *, per_minute: int, burst: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()
        self._taken = 0

    def take(self, key: str) -> int:
        """Take one request from `key`'s bucket: 0 if allowed, else the whole seconds to
        wait before the next request can be."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = Bucket(float(self.burst), now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            self._taken += 1
            if self._taken % SWEEP_EVERY == 0:
                self._sweep(now)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0
            return max(1, math.ceil((1 - bucket.tokens) / self.rate))

    def _sweep(self, now: float) -> None:
        refill = self.burst / self.rate
        for key in [key for key, bucket in self._buckets.items() if now - bucket.at >= refill]:
            del self._buckets[key]

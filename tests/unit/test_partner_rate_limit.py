"""The partner rate limit: a token bucket per token id, on a clock the test turns."""

from __future__ import annotations

from api.partner.rate_limit import SWEEP_EVERY, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_request_per_interval():
    clock = Clock()
    limiter = RateLimiter(per_minute=6, burst=3, clock=clock)  # one every 10 s

    assert [limiter.take("jti-a") for _ in range(4)] == [0, 0, 0, 10]
    clock.now += 4
    assert limiter.take("jti-a") == 6  # 0.4 of a request refilled: 6 s to a whole one
    clock.now += 6
    assert [limiter.take("jti-a"), limiter.take("jti-a")] == [0, 10]


def test_each_token_has_its_own_bucket():
    limiter = RateLimiter(per_minute=60, burst=1, clock=Clock())

    assert [limiter.take("jti-a"), limiter.take("jti-b"), limiter.take("jti-a")] == [0, 0, 1]


def test_a_bucket_never_holds_more_than_the_burst():
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=2, clock=clock)
    limiter.take("jti-a")
    clock.now += 3600

    assert [limiter.take("jti-a") for _ in range(3)] == [0, 0, 1]


def test_idle_full_buckets_are_dropped():
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=5, clock=clock)
    limiter.take("idle")
    clock.now += 10  # refilled: as good as new
    for index in range(SWEEP_EVERY):
        limiter.take(f"busy-{index % 3}")

    assert "idle" not in limiter._buckets
    assert {"busy-0", "busy-1", "busy-2"} <= set(limiter._buckets)

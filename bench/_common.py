"""What the benchmarks share: fresh stores, the machine line, percentiles and verdicts."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import version

import psycopg

#: The master key of every hub a benchmark opens (one per run: the stores are temporary).
MASTER_KEY = os.urandom(32)

POSTGRES_URL = os.environ.get(
    "CRMHUB_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@contextmanager
def fresh_store(database: str) -> Iterator[str]:
    """The URL of a new, empty store, removed when the row is done."""
    if database == "sqlite":
        with tempfile.TemporaryDirectory(prefix="crmhub-bench-") as directory:
            yield f"sqlite:///{directory}/bench.db"
        return
    dsn = POSTGRES_URL.split("?")[0]
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL.split('?')[0]}?schema={schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def machine() -> str:
    return (f"Python {platform.python_version()}, eventsourcing {version('eventsourcing')}, "
            f"psycopg {version('psycopg')}, {os.cpu_count()} CPUs\n")


def percentile_ms(seconds: Sequence[float], p: int) -> float:
    if len(seconds) < 2:
        return seconds[0] * 1000
    return statistics.quantiles(seconds, n=100, method="inclusive")[p - 1] * 1000


def verdict(figure: str, target: str, met: bool) -> str:
    return f"{figure} ({target}): " + ("[green]met[/]" if met else "[red]missed[/]")

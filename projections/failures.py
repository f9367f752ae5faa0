"""Views stopped at a page they could not apply, and why: kept so every process sees them.

A view whose handler raises cannot skip the event (its tables would be wrong for good),
so it stops where it is; the runner goes on with its other views and tries the stopped
one again later (`projections.runner`). While it is stopped, `crmhub_view_failures` holds
one row for it: the position it stands at, the error, when it first failed and how many
attempts have failed. `/readyz` and `/metrics` report the rows; the row goes when the
view applies the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from projections.database import Transaction, ViewDatabase

DDL = ("CREATE TABLE IF NOT EXISTS crmhub_view_failures ("
       " view TEXT PRIMARY KEY, position BIGINT NOT NULL, error TEXT NOT NULL,"
       " failed_at TEXT NOT NULL, attempts INTEGER NOT NULL)")


@dataclass(frozen=True)
class ViewFailure:
    position: int
    error: str
    failed_at: str
    attempts: int


class ViewsFailedError(RuntimeError):
    """Views that stopped short of the log's end (the others went on)."""

    def __init__(self, failures: dict[str, ViewFailure]) -> None:
        self.failures = dict(failures)
        super().__init__("; ".join(f"view {name} stopped at position {failure.position}"
                                   f" after {failure.attempts} failed attempt(s): {failure.error}"
                                   for name, failure in sorted(failures.items())))


def next_failure(previous: ViewFailure | None, *, position: int,
                 error: BaseException) -> ViewFailure:
    """The view's failure at `position`: another attempt of `previous` if it failed there."""
    again = previous is not None and previous.position == position
    return ViewFailure(position=position, error=f"{type(error).__name__}: {error}",
                       failed_at=previous.failed_at if previous and again
                       else datetime.now(UTC).isoformat(timespec="seconds"),
                       attempts=previous.attempts + 1 if previous and again else 1)


def record_failure(database: ViewDatabase, name: str, failure: ViewFailure) -> None:
    with database.transaction() as tx:
        tx.execute("INSERT INTO crmhub_view_failures (view, position, error, failed_at, attempts)"
                   " VALUES (?, ?, ?, ?, ?) ON CONFLICT (view) DO UPDATE SET"
                   " position = excluded.position, error = excluded.error,"
                   " failed_at = excluded.failed_at, attempts = excluded.attempts",
                   (name, failure.position, failure.error, failure.failed_at, failure.attempts))


def clear_failure(database: ViewDatabase, name: str) -> None:
    with database.transaction() as tx:
        tx.execute("DELETE FROM crmhub_view_failures WHERE view = ?", (name,))


def view_failures(database: ViewDatabase | Transaction) -> dict[str, ViewFailure]:
    """The views stopped now, whoever runs them."""
    return {row["view"]: ViewFailure(row["position"], row["error"], row["failed_at"],
                                     row["attempts"])
            for row in database.query("SELECT view, position, error, failed_at, attempts"
                                      " FROM crmhub_view_failures ORDER BY view")}

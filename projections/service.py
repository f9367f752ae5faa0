"""The customer-service view: the open-case queue, SLA clocks, and the service metrics.

Tables (ids as text, times as ISO-8601 UTC text, all business times: `occurred_at`):

- `view_service_cases`: one row per case, its current state (status, assignee, level,
  priority, due time) and its milestones (opened, first and latest resolution, latest
  closing). The queue, the SLA lists and time to resolution read it.
- `view_service_case_history`: one row per resolution, reopening and closing, with the
  due time in force when it happened, so that per-period counts (closed, closed the
  same day, resolved late, reopen rate) are SQL aggregates over facts.
- `view_service_interactions`: channel and department of every interaction, corrected
  in place, to count service calls per period. Every interaction is kept because a
  correction may turn any of them into a service call (or out of one).

No free text (subject, description, comments) is kept: the view holds no personal data,
so its metrics survive erasure and it has nothing to scrub.

Handlers only write (an `INSERT ... SELECT` copies the due time into the history without
a round-trip), so a page of events flows to PostgreSQL in one pipeline.
"""

from __future__ import annotations

from typing import Any

from domain.interactions import Interaction
from domain.service import Case
from projections.customers import iso
from projections.database import Transaction
from projections.view import View, handles

#: The status a reopened case returns to (the aggregate's rule, in SQL).
REOPENED_STATUS = ("CASE WHEN escalation_level > 0 THEN 'escalated'"
                   " WHEN assignee IS NOT NULL THEN 'assigned' ELSE 'open' END")


class ServiceView(View):
    name = "service"
    version = 1
    tables = ("view_service_cases", "view_service_case_history", "view_service_interactions")
    ddl = (
        "CREATE TABLE IF NOT EXISTS view_service_cases ("
        " case_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, channel TEXT NOT NULL,"
        " case_type TEXT NOT NULL, priority TEXT NOT NULL, status TEXT NOT NULL,"
        " assignee TEXT, escalation_level INTEGER NOT NULL DEFAULT 0,"
        " opened_at TEXT NOT NULL, due_at TEXT NOT NULL, first_resolved_at TEXT,"
        " resolved_at TEXT, closed_at TEXT, reopen_count INTEGER NOT NULL DEFAULT 0,"
        " version BIGINT NOT NULL, last_activity_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_service_cases_queue"
        " ON view_service_cases (status, due_at, case_id)",
        "CREATE INDEX IF NOT EXISTS view_service_cases_assignee"
        " ON view_service_cases (assignee, status, due_at)",
        "CREATE INDEX IF NOT EXISTS view_service_cases_opened ON view_service_cases (opened_at)",
        "CREATE INDEX IF NOT EXISTS view_service_cases_first_resolved"
        " ON view_service_cases (first_resolved_at)",
        "CREATE TABLE IF NOT EXISTS view_service_case_history ("
        " case_id TEXT NOT NULL, version BIGINT NOT NULL, kind TEXT NOT NULL,"
        " occurred_at TEXT NOT NULL, due_at TEXT NOT NULL, PRIMARY KEY (case_id, version))",
        "CREATE INDEX IF NOT EXISTS view_service_case_history_kind"
        " ON view_service_case_history (kind, occurred_at)",
        "CREATE TABLE IF NOT EXISTS view_service_interactions ("
        " interaction_id TEXT PRIMARY KEY, occurred_at TEXT NOT NULL, channel TEXT NOT NULL,"
        " department TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_service_interactions_calls"
        " ON view_service_interactions (department, channel, occurred_at)",
    )

    # -- the case as it stands --------------------------------------------------------

    @handles(Case.Opened)
    def opened(self, tx: Transaction, e: Any) -> None:
        at = iso(e.occurred_at)
        tx.execute(
            "INSERT INTO view_service_cases (case_id, customer_id, channel, case_type, priority,"
            " status, opened_at, due_at, version, last_activity_at)"
            " VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
            (str(e.originator_id), str(e.customer_id), e.channel, e.case_type, e.priority,
             at, iso(e.due_at), e.originator_version, at))

    @handles(Case.Assigned)
    def assigned(self, tx: Transaction, e: Any) -> None:
        self._update(tx, e, "assignee = ?, status = CASE WHEN status = 'open' THEN 'assigned'"
                            " ELSE status END", e.assignee)

    @handles(Case.Escalated)
    def escalated(self, tx: Transaction, e: Any) -> None:
        self._update(tx, e, "escalation_level = ?, status = 'escalated'", e.level)

    @handles(Case.Commented)
    def commented(self, tx: Transaction, e: Any) -> None:
        self._update(tx, e, "")

    @handles(Case.PriorityChanged)
    def priority_changed(self, tx: Transaction, e: Any) -> None:
        self._update(tx, e, "priority = ?, due_at = ?", e.priority, iso(e.due_at))

    # -- milestones, kept as facts too ---------------------------------------------------

    @handles(Case.Resolved)
    def resolved(self, tx: Transaction, e: Any) -> None:
        at = iso(e.occurred_at)
        self._update(tx, e, "status = 'resolved', resolved_at = ?,"
                            " first_resolved_at = COALESCE(first_resolved_at, ?)", at, at)
        self._history(tx, e, "resolved")

    @handles(Case.Closed)
    def closed(self, tx: Transaction, e: Any) -> None:
        self._update(tx, e, "status = 'closed', closed_at = ?", iso(e.occurred_at))
        self._history(tx, e, "closed")

    @handles(Case.Reopened)
    def reopened(self, tx: Transaction, e: Any) -> None:
        self._update(tx, e, f"status = {REOPENED_STATUS}, reopen_count = reopen_count + 1")
        self._history(tx, e, "reopened")

    @staticmethod
    def _update(tx: Transaction, e: Any, assignments: str, *values: Any) -> None:
        """Apply `assignments` to the case row and record the event's version and time."""
        prefix = f"{assignments}, " if assignments else ""
        tx.execute(f"UPDATE view_service_cases SET {prefix}version = ?,"  # noqa: S608
                   " last_activity_at = ? WHERE case_id = ?",
                   (*values, e.originator_version, iso(e.occurred_at), str(e.originator_id)))

    @staticmethod
    def _history(tx: Transaction, e: Any, kind: str) -> None:
        tx.execute("INSERT INTO view_service_case_history (case_id, version, kind, occurred_at,"
                   " due_at) SELECT case_id, ?, ?, ?, due_at FROM view_service_cases"
                   " WHERE case_id = ?",
                   (e.originator_version, kind, iso(e.occurred_at), str(e.originator_id)))

    # -- calls ---------------------------------------------------------------------------

    @handles(Interaction.Recorded)
    def interaction_recorded(self, tx: Transaction, e: Any) -> None:
        tx.execute("INSERT INTO view_service_interactions (interaction_id, occurred_at, channel,"
                   " department) VALUES (?, ?, ?, ?)",
                   (str(e.originator_id), iso(e.occurred_at), e.channel, e.department))

    @handles(Interaction.Corrected)
    def interaction_corrected(self, tx: Transaction, e: Any) -> None:
        if e.channel is None and e.department is None:
            return
        tx.execute("UPDATE view_service_interactions SET channel = COALESCE(?, channel),"
                   " department = COALESCE(?, department) WHERE interaction_id = ?",
                   (e.channel, e.department, str(e.originator_id)))

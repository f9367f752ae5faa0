"""The disclosure view: what partners received of whom, and what they must be told since.

Table `view_disclosures`: one row per disclosure (`privacy.disclosures.Disclosure`: a
partner read fields of one data subject, a customer or a lead), with the field names and
the grants relied on as JSON text; `view_disclosure_grants` lists each grant relied on, to
find who relied on a grant that is withdrawn.

Table `view_disclosure_notices`: what each partner must be told.

- A **withdrawn** notice, when a grant is withdrawn (`Consent.Withdrawn`), to each partner
  that received data of the subject relying on that grant.
- An **erased** notice, when a customer is erased (`Customer.Erased`), to each partner that
  ever received data of them or of the lead they were converted from (the event names
  both); its subject is the one the partner received (the customer when it received both).

A disclosure recorded after the withdrawal of a grant it relied on, or after its subject
was erased (the partner read just before), gets its notice then: no partner misses one.
A notice's id is a uuid5 of the partner and the causing event (originator id and
version), so a rebuild gives every notice the same id; its time `at` is the causing
event's business time, or the disclosure's for a notice that arose late. A partner's
acknowledgement (`NoticeAcknowledgement`, whose id is the notice's) sets `acknowledged_at`.

Privacy's events are matched by their topics (`projections` does not import `privacy`);
the topic of a stored event never changes. Ids are text, times ISO-8601 UTC text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.utils import get_topic

from domain.customers import Customer
from domain.errors import InvalidValueError
from projections.customers import iso
from projections.database import Row, Transaction, ViewDatabase
from projections.pages import Page, decode_cursor, encode_cursor, page_size
from projections.view import TopicView

RECORDED = "privacy.disclosures:Disclosure.Recorded"
ACKNOWLEDGED = "privacy.disclosures:NoticeAcknowledgement.Acknowledged"
WITHDRAWN = "privacy.consent:Consent.Withdrawn"
ERASED = get_topic(Customer.Erased)

KIND_WITHDRAWN = "withdrawn"
KIND_ERASED = "erased"


def notice_id(partner_id: UUID | str, cause_id: UUID | str, cause_version: int) -> UUID:
    """The id of the notice to a partner of the event (`cause_id` at `cause_version`)."""
    return uuid5(UUID(str(partner_id)), f"{cause_id}:{cause_version}")


def _notify(tx: Transaction, rows: Sequence[tuple[str, str, str, str | None, str, str, int]]) -> None:
    """Add notices (partner, subject, kind, grant, at, cause id, cause version), each once."""
    tx.executemany(
        "INSERT INTO view_disclosure_notices (notice_id, partner_id, subject_id, kind, grant_id,"
        " at, cause_id, cause_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (notice_id) DO NOTHING",
        [(str(notice_id(partner, cause, version)), partner, subject, kind, grant, at, cause,
          version) for partner, subject, kind, grant, at, cause, version in rows])


def _recorded(tx: Transaction, e: Any) -> None:
    disclosure, partner, subject = str(e.originator_id), str(e.partner_id), str(e.subject_id)
    at = iso(e.occurred_at)
    grants = [str(grant) for grant in e.grants]
    tx.execute(
        "INSERT INTO view_disclosures (disclosure_id, partner_id, token_id, subject_id, fields,"
        " purpose, grants, response_hash, disclosed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (disclosure, partner, e.token_id, subject, json.dumps(list(e.fields)), e.purpose,
         json.dumps(grants), e.response_hash, at))
    tx.executemany("INSERT INTO view_disclosure_grants (grant_id, disclosure_id, partner_id,"
                   " subject_id) VALUES (?, ?, ?, ?)",
                   [(grant, disclosure, partner, subject) for grant in grants])
    # Late: the subject was erased, or a grant relied on withdrawn, before this was logged.
    late = tx.query("SELECT subject_id, kind, grant_id, cause_id, cause_version"
                    " FROM view_disclosure_causes WHERE subject_id = ?", (subject,))
    _notify(tx, [(partner, subject, row["kind"], row["grant_id"], at, row["cause_id"],
                  row["cause_version"]) for row in late
                 if row["kind"] == KIND_ERASED or row["grant_id"] in grants])


def _withdrawn(tx: Transaction, e: Any) -> None:
    subject, grant, at = str(e.customer_id), str(e.grant_id), iso(e.occurred_at)
    cause, version = str(e.originator_id), e.originator_version
    _cause(tx, subject, KIND_WITHDRAWN, grant, cause, version)
    partners = tx.query("SELECT DISTINCT partner_id FROM view_disclosure_grants"
                        " WHERE grant_id = ? ORDER BY partner_id", (grant,))
    _notify(tx, [(row["partner_id"], subject, KIND_WITHDRAWN, grant, at, cause, version)
                 for row in partners])


def _erased(tx: Transaction, e: Any) -> None:
    customer, at = str(e.originator_id), iso(e.occurred_at)
    cause, version = customer, e.originator_version
    subjects = [customer, *(str(s) for s in e.erased_subjects if str(s) != customer)]
    for subject in subjects:
        _cause(tx, subject, KIND_ERASED, None, cause, version)
    marks = ", ".join("?" * len(subjects))
    rows = tx.query("SELECT DISTINCT partner_id, subject_id FROM view_disclosures"  # noqa: S608
                    f" WHERE subject_id IN ({marks})", subjects)
    received: dict[str, str] = {}
    for row in sorted(rows, key=lambda row: (row["partner_id"], row["subject_id"] != customer)):
        received.setdefault(row["partner_id"], row["subject_id"])
    _notify(tx, [(partner, subject, KIND_ERASED, None, at, cause, version)
                 for partner, subject in sorted(received.items())])


def _cause(tx: Transaction, subject: str, kind: str, grant: str | None, cause: str,
           version: int) -> None:
    tx.execute("INSERT INTO view_disclosure_causes (subject_id, kind, grant_id, cause_id,"
               " cause_version) VALUES (?, ?, ?, ?, ?)", (subject, kind, grant, cause, version))


def _acknowledged(tx: Transaction, e: Any) -> None:
    tx.execute("UPDATE view_disclosure_notices SET acknowledged_at = ? WHERE notice_id = ?",
               (iso(e.occurred_at), str(e.originator_id)))


_HANDLERS: dict[str, Callable[[Transaction, Any], None]] = {
    RECORDED: _recorded, WITHDRAWN: _withdrawn, ERASED: _erased, ACKNOWLEDGED: _acknowledged}


class DisclosureView(TopicView):
    name = "disclosures"
    topic_handlers = _HANDLERS
    tables = ("view_disclosures", "view_disclosure_grants", "view_disclosure_causes",
              "view_disclosure_notices")
    ddl = (
        "CREATE TABLE IF NOT EXISTS view_disclosures ("
        " disclosure_id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, token_id TEXT NOT NULL,"
        " subject_id TEXT NOT NULL, fields TEXT NOT NULL, purpose TEXT NOT NULL,"
        " grants TEXT NOT NULL, response_hash TEXT NOT NULL, disclosed_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_disclosures_partner"
        " ON view_disclosures (partner_id, disclosed_at, disclosure_id)",
        "CREATE INDEX IF NOT EXISTS view_disclosures_subject"
        " ON view_disclosures (subject_id, disclosed_at, disclosure_id)",
        "CREATE INDEX IF NOT EXISTS view_disclosures_at"
        " ON view_disclosures (disclosed_at, disclosure_id)",
        "CREATE TABLE IF NOT EXISTS view_disclosure_grants ("
        " grant_id TEXT NOT NULL, disclosure_id TEXT NOT NULL, partner_id TEXT NOT NULL,"
        " subject_id TEXT NOT NULL, PRIMARY KEY (grant_id, disclosure_id))",
        # What makes a later disclosure of the subject notice-worthy at once.
        "CREATE TABLE IF NOT EXISTS view_disclosure_causes ("
        " subject_id TEXT NOT NULL, kind TEXT NOT NULL, grant_id TEXT, cause_id TEXT NOT NULL,"
        " cause_version BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_disclosure_causes_subject"
        " ON view_disclosure_causes (subject_id)",
        "CREATE TABLE IF NOT EXISTS view_disclosure_notices ("
        " notice_id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, subject_id TEXT NOT NULL,"
        " kind TEXT NOT NULL, grant_id TEXT, at TEXT NOT NULL, cause_id TEXT NOT NULL,"
        " cause_version BIGINT NOT NULL, acknowledged_at TEXT)",
        "CREATE INDEX IF NOT EXISTS view_disclosure_notices_partner"
        " ON view_disclosure_notices (partner_id, at, notice_id)",
        "CREATE INDEX IF NOT EXISTS view_disclosure_notices_open"
        " ON view_disclosure_notices (acknowledged_at, at, notice_id)",
        "CREATE INDEX IF NOT EXISTS view_disclosure_notices_subject"
        " ON view_disclosure_notices (subject_id)",
    )


# -- queries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosureEntry:
    """One disclosure: fields of one subject to one partner, on which grants, when."""

    id: str
    partner_id: str
    token_id: str
    subject_id: str
    fields: list[str]
    purpose: str
    grants: list[str]
    response_hash: str
    at: datetime


@dataclass(frozen=True)
class Notice:
    """What a partner must be told: a grant it relied on was withdrawn, or a person whose
    data it received was erased."""

    id: str
    partner_id: str
    subject_id: str
    kind: str
    grant_id: str | None
    at: datetime
    acknowledged_at: datetime | None


_DISCLOSURES = "disclosures"
_NOTICES = "notices"


def disclosures(db: ViewDatabase, *, partner_id: UUID | str | None = None,
                subject_id: UUID | str | None = None, start: datetime | None = None,
                end: datetime | None = None, first: int = 50,
                after: str | None = None) -> Page[DisclosureEntry]:
    """The disclosures, oldest first, to one partner and/or of one subject, in `[start, end)`."""
    where, params = _filters(partner_id=partner_id, subject_id=subject_id)
    where, params = _between(where, params, "disclosed_at", start, end)
    rows, more = _page(db, "view_disclosures", "disclosed_at", "disclosure_id", _DISCLOSURES,
                       where, params, first, after)
    return Page([(encode_cursor(_DISCLOSURES, [row["disclosed_at"], row["disclosure_id"]]),
                  _disclosure(row)) for row in rows], more)


def partner_notices(db: ViewDatabase, partner_id: UUID | str, *, since: datetime | None = None,
                    acknowledged: bool | None = None, first: int = 50,
                    after: str | None = None) -> Page[Notice]:
    """The partner's notices, oldest first: from `since` on (inclusive), acknowledged or not."""
    return notices(db, partner_id=partner_id, since=since, acknowledged=acknowledged,
                   first=first, after=after)


def unacknowledged_notices(db: ViewDatabase, *, partner_id: UUID | str | None = None,
                           first: int = 50, after: str | None = None) -> Page[Notice]:
    """The notices no partner (or not `partner_id`) acknowledged yet, oldest first."""
    return notices(db, partner_id=partner_id, acknowledged=False, first=first, after=after)


def notice_of(db: ViewDatabase, notice_id: UUID | str) -> Notice | None:
    """One notice, or None (`InvalidValueError` for a malformed id)."""
    rows = db.query("SELECT * FROM view_disclosure_notices WHERE notice_id = ?",
                    (_id(notice_id, "noticeId"),))
    return _notice(rows[0]) if rows else None


def subject_disclosures(db: ViewDatabase, subject_ids: Sequence[UUID | str]
                        ) -> tuple[list[DisclosureEntry], list[Notice]]:
    """Every disclosure of these subjects (a customer and their lead), and every notice
    about them, oldest first: what a subject-access export shows."""
    subjects = [_id(subject, "subjectId") for subject in subject_ids]
    if not subjects:
        return [], []
    marks = ", ".join("?" * len(subjects))
    found = db.query(f"SELECT * FROM view_disclosures WHERE subject_id IN ({marks})"  # noqa: S608
                     " ORDER BY disclosed_at, disclosure_id", subjects)
    told = db.query(f"SELECT * FROM view_disclosure_notices WHERE subject_id IN ({marks})"  # noqa: S608
                    " ORDER BY at, notice_id", subjects)
    return [_disclosure(row) for row in found], [_notice(row) for row in told]


def notices(db: ViewDatabase, *, partner_id: UUID | str | None = None,
            since: datetime | None = None, acknowledged: bool | None = None, first: int = 50,
            after: str | None = None) -> Page[Notice]:
    """The notices, oldest first: to one partner or all, from `since` on (inclusive),
    acknowledged, not acknowledged, or both (None)."""
    where, params = _filters(partner_id=partner_id)
    where, params = _between(where, params, "at", since, None, start_name="since")
    if acknowledged is not None:
        where.append(f"acknowledged_at IS {'NOT ' if acknowledged else ''}NULL")
    rows, more = _page(db, "view_disclosure_notices", "at", "notice_id", _NOTICES, where,
                       params, first, after)
    return Page([(encode_cursor(_NOTICES, [row["at"], row["notice_id"]]), _notice(row))
                 for row in rows], more)


def _filters(**ids: UUID | str | None) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for name, value in ids.items():
        if value is not None:
            head, _, tail = name.partition("_")
            where.append(f"{name} = ?")
            params.append(_id(value, head + tail.capitalize()))
    return where, params


def _between(where: list[str], params: list[Any], column: str, start: datetime | None,
             end: datetime | None, *, start_name: str = "start") -> tuple[list[str], list[Any]]:
    for name, moment in ((start_name, start), ("end", end)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidValueError(name, "must carry a time zone (UTC ISO-8601)")
    if start is not None and end is not None and end <= start:
        raise InvalidValueError("end", f"must be after {start_name}")
    if start is not None:
        where, params = [*where, f"{column} >= ?"], [*params, iso(start)]
    if end is not None:
        where, params = [*where, f"{column} < ?"], [*params, iso(end)]
    return where, params


def _page(db: ViewDatabase, table: str, at: str, key: str, list_name: str, where: list[str],
          params: list[Any], first: int, after: str | None) -> tuple[list[Row], bool]:
    limit = page_size(first)
    cursor = decode_cursor(after, list_name, 2)
    if cursor is not None:
        where = [*where, f"({at} > ? OR ({at} = ? AND {key} > ?))"]
        params = [*params, cursor[0], cursor[0], cursor[1]]
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = db.query(f"SELECT * FROM {table}{clause} ORDER BY {at}, {key} LIMIT ?",  # noqa: S608
                    (*params, limit + 1))
    return rows[:limit], len(rows) > limit


def _id(value: UUID | str, field: str) -> str:
    try:
        return str(value if isinstance(value, UUID) else UUID(str(value)))
    except ValueError:
        raise InvalidValueError(field, f"{value!r} is not a valid id") from None


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _disclosure(row: Row) -> DisclosureEntry:
    return DisclosureEntry(
        id=row["disclosure_id"], partner_id=row["partner_id"], token_id=row["token_id"],
        subject_id=row["subject_id"], fields=json.loads(row["fields"]), purpose=row["purpose"],
        grants=json.loads(row["grants"]), response_hash=row["response_hash"],
        at=_time(row["disclosed_at"]))


def _notice(row: Row) -> Notice:
    acknowledged = row["acknowledged_at"]
    return Notice(id=row["notice_id"], partner_id=row["partner_id"], subject_id=row["subject_id"],
                  kind=row["kind"], grant_id=row["grant_id"], at=_time(row["at"]),
                  acknowledged_at=_time(acknowledged) if acknowledged else None)

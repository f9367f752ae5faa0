"""Reading the customer view: the directory, one customer's 360 summary, the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from projections.customers import iso
from projections.database import ViewDatabase
from projections.pages import Page, decode_cursor, encode_cursor, page_size


@dataclass(frozen=True)
class CustomerSummary:
    id: str
    kind: str
    display_name: str
    company_name: str | None
    organisation_id: str | None
    stage: str
    owner: str | None
    tags: list[str]
    emails: list[str]
    version: int
    created_at: str
    updated_at: str
    open_cases: int
    open_opportunities: int
    last_purchase_at: str | None
    lifetime_revenue: list[tuple[Decimal, str]]  # (amount, currency)
    erased: bool


@dataclass(frozen=True)
class TimelineEntry:
    interaction_id: str
    customer_id: str
    occurred_at: str
    recorded_at: str
    channel: str
    direction: str
    department: str
    subject: str
    summary: str | None
    handled_by: str | None
    duration_seconds: int | None
    case_id: str | None
    opportunity_id: str | None
    campaign_id: str | None
    order_id: str | None
    corrected: bool


def _like_prefix(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def search_customers(
    db: ViewDatabase,
    *,
    search: str | None = None,
    stage: str | None = None,
    owner: str | None = None,
    tag: str | None = None,
    company: str | None = None,
    first: int = 20,
    after: str | None = None,
) -> Page[CustomerSummary]:
    """Customers sorted by name: `search` matches a name or an email by prefix."""
    limit = page_size(first)
    where, params = [], []
    if search:
        where.append("(c.search_name LIKE ? ESCAPE '\\' OR c.id IN (SELECT customer_id"
                     " FROM view_customer_emails WHERE email LIKE ? ESCAPE '\\'))")
        params += [_like_prefix(search), _like_prefix(search)]
    for column, value in (("stage", stage), ("owner", owner), ("company_name", company)):
        if value is not None:
            where.append(f"c.{column} = ?")
            params.append(value)
    if tag is not None:
        where.append("c.id IN (SELECT customer_id FROM view_customer_tags WHERE tag = ?)")
        params.append(tag)
    key = decode_cursor(after, "customers", 2)
    if key is not None:
        where.append("(c.search_name > ? OR (c.search_name = ? AND c.id > ?))")
        params += [key[0], key[0], key[1]]
    sql = "SELECT * FROM view_customers c"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = db.query(sql + " ORDER BY c.search_name, c.id LIMIT ?", (*params, limit + 1))
    summaries = _summaries(db, rows[:limit])
    return Page(items=[(encode_cursor("customers", [s.display_name.lower(), s.id]), s) for s in summaries],
                has_next_page=len(rows) > limit)


def customer_summaries(db: ViewDatabase, ids: list[str]) -> dict[str, CustomerSummary]:
    """Summaries of these customers, in two queries however many there are."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = db.query(f"SELECT * FROM view_customers WHERE id IN ({marks})", ids)  # noqa: S608
    return {s.id: s for s in _summaries(db, rows)}


@dataclass(frozen=True)
class CustomerName:
    """Who a row is about, as the directory names them (one query for many, no extras)."""

    id: str
    display_name: str
    stage: str
    owner: str | None


def customer_names(db: ViewDatabase, ids: list[str]) -> dict[str, CustomerName]:
    """The customers among `ids` that the view holds, by id, in one query."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = db.query("SELECT id, display_name, stage, owner FROM view_customers"  # noqa: S608
                    f" WHERE id IN ({marks})", ids)
    return {row["id"]: CustomerName(**row) for row in rows}


@dataclass(frozen=True)
class CustomerRecordIds:
    """The ids of one customer's records, as the views know them (what a subject-access
    export reads from the log: `privacy.export.FoundRecords`)."""

    interactions: list[str]
    cases: list[str]
    opportunities: list[str]
    quotes: list[str]
    purchases: list[str]
    #: The campaigns that sent the customer a message.
    campaigns: list[str]


def customer_record_ids(db: ViewDatabase, customer_id: str) -> CustomerRecordIds:
    """Every id of the customer's interactions, cases, opportunities (and their quotes),
    purchases and campaign messages: one query per table, in one snapshot of the views."""
    with db.transaction(write=False) as tx:
        def ids(sql: str) -> list[str]:
            return [row["id"] for row in tx.query(sql, (customer_id,))]

        return CustomerRecordIds(
            interactions=ids("SELECT interaction_id AS id FROM view_timeline WHERE customer_id = ?"),
            cases=ids("SELECT case_id AS id FROM view_service_cases WHERE customer_id = ?"),
            opportunities=ids("SELECT opportunity_id AS id FROM view_sales_opportunities"
                              " WHERE customer_id = ?"),
            quotes=ids("SELECT quote_id AS id FROM view_sales_quotes WHERE opportunity_id IN"
                       " (SELECT opportunity_id FROM view_sales_opportunities WHERE customer_id = ?)"),
            purchases=ids("SELECT purchase_id AS id FROM view_marketing_purchases"
                          " WHERE customer_id = ?"),
            campaigns=ids("SELECT campaign_id AS id FROM view_marketing_messages"
                          " WHERE customer_id = ?"),
        )


def _summaries(db: ViewDatabase, rows: list[dict[str, Any]]) -> list[CustomerSummary]:
    ids = [row["id"] for row in rows]
    tags: dict[str, list[str]] = {i: [] for i in ids}
    emails: dict[str, list[str]] = {i: [] for i in ids}
    revenue: dict[str, list[tuple[Decimal, str]]] = {i: [] for i in ids}
    if ids:
        marks = ", ".join("?" * len(ids))
        with db.transaction(write=False) as tx:
            for row in tx.query(f"SELECT customer_id, tag FROM view_customer_tags"  # noqa: S608
                                f" WHERE customer_id IN ({marks}) ORDER BY tag", ids):
                tags[row["customer_id"]].append(row["tag"])
            for row in tx.query(f"SELECT customer_id, email FROM view_customer_emails"  # noqa: S608
                                f" WHERE customer_id IN ({marks}) ORDER BY email", ids):
                emails[row["customer_id"]].append(row["email"])
            for row in tx.query(f"SELECT * FROM view_customer_revenue"  # noqa: S608
                                f" WHERE customer_id IN ({marks}) ORDER BY currency", ids):
                revenue[row["customer_id"]].append(
                    (Decimal(row["revenue_cents"]) / 100, row["currency"]))
    return [CustomerSummary(
        id=row["id"], kind=row["kind"], display_name=row["display_name"],
        company_name=row["company_name"], organisation_id=row["organisation_id"],
        stage=row["stage"], owner=row["owner"], tags=tags[row["id"]], emails=emails[row["id"]],
        version=row["version"], created_at=row["created_at"], updated_at=row["updated_at"],
        open_cases=row["open_cases"], open_opportunities=row["open_opportunities"],
        last_purchase_at=row["last_purchase_at"], lifetime_revenue=revenue[row["id"]],
        erased=bool(row["erased"]),
    ) for row in rows]


def timeline(
    db: ViewDatabase,
    *,
    customer_id: str,
    channel: str | None = None,
    department: str | None = None,
    direction: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    first: int = 50,
    after: str | None = None,
) -> Page[TimelineEntry]:
    """One customer's interactions on every channel, newest first."""
    limit = page_size(first)
    where, params = ["customer_id = ?"], [customer_id]
    for column, value in (("channel", channel), ("department", department),
                          ("direction", direction)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if since is not None:
        where.append("occurred_at >= ?")
        params.append(iso(since))
    if until is not None:
        where.append("occurred_at < ?")
        params.append(iso(until))
    key = decode_cursor(after, "timeline", 2)
    if key is not None:
        where.append("(occurred_at < ? OR (occurred_at = ? AND interaction_id < ?))")
        params += [key[0], key[0], key[1]]
    rows = db.query("SELECT * FROM view_timeline WHERE " + " AND ".join(where)  # noqa: S608
                    + " ORDER BY occurred_at DESC, interaction_id DESC LIMIT ?",
                    (*params, limit + 1))
    entries = [TimelineEntry(**{**row, "corrected": bool(row["corrected"])}) for row in rows[:limit]]
    return Page(items=[(encode_cursor("timeline", [e.occurred_at, e.interaction_id]), e) for e in entries],
                has_next_page=len(rows) > limit)

"""The PRM deals view: partners' deal registrations, their conflicts, and their figures.

Tables (ids as text, times as ISO-8601 UTC business times, money in integer cents so that
sums are exact on both databases; the queries return it as `Decimal`):

- `view_prm_deals`: one row per registration as it stands: partner, customer or lead,
  stage and its win probability in basis points, status (open, won, lost, rejected),
  amount and currency, expected close date, when registered and closed, and its conflict
  state: `none`, `flagged` (registered with conflicts, awaiting sales), `kept` or
  `rejected` (what sales decided), with when it was decided.
- `view_prm_deal_conflicts`: the opportunities and registrations each one conflicted with
  when it was registered.
- `view_prm_converted_leads`: the customer each converted lead became, so that a deal for
  a lead and a deal or an opportunity for the customer it became are seen to collide.

No names, reasons or notes are kept: the view holds no personal data.

The registration events are matched by their topics, not their classes: `projections`
does not import `partners` (see `projections/consent.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.errors import InvalidValueError
from domain.sales import OPEN_STAGES, Lead
from projections.customers import cents, iso
from projections.database import Transaction, ViewDatabase
from projections.pages import Page, decode_cursor, encode_cursor, page_size
from projections.periods import period
from projections.sales import BASIS_POINTS, basis_points
from projections.view import TopicView

_DEAL = "partners.deals:DealRegistration."
REGISTERED = _DEAL + "Registered"
STAGE_CHANGED = _DEAL + "StageChanged"
CLOSED = _DEAL + "Closed"
CONFLICT_RESOLVED = _DEAL + "ConflictResolved"

#: A registration's status, as `partners.deals.DealStatus` names it.
STATUSES = ("open", "won", "lost", "rejected")
#: A registration's conflict state, as `partners.deals.ConflictState` names it.
CONFLICT_STATES = ("none", "flagged", "kept", "rejected")
CENT = Decimal("0.01")
_OPEN = tuple(stage.value for stage in OPEN_STAGES)
_OPEN_MARKS = ", ".join("?" * len(_OPEN))


def _registered(tx: Transaction, e: Any) -> None:
    deal = str(e.originator_id)
    tx.execute(
        "INSERT INTO view_prm_deals (deal_id, partner_id, customer_id, lead_id, stage,"
        " probability_bp, status, currency, amount_cents, expected_close_date, registered_at,"
        " conflict) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)",
        (deal, str(e.partner_id), _text(e.customer_id), _text(e.lead_id), e.stage,
         basis_points(e.probability), e.currency, cents(e.amount),
         e.expected_close_date.isoformat(), iso(e.occurred_at),
         "flagged" if e.conflicts else "none"))
    if e.conflicts:
        tx.executemany("INSERT INTO view_prm_deal_conflicts (deal_id, conflict_id) VALUES (?, ?)",
                       [(deal, str(conflict)) for conflict in e.conflicts])


def _stage_changed(tx: Transaction, e: Any) -> None:
    tx.execute("UPDATE view_prm_deals SET stage = ?, probability_bp = ? WHERE deal_id = ?",
               (e.stage, basis_points(e.probability), str(e.originator_id)))


def _closed(tx: Transaction, e: Any) -> None:
    tx.execute("UPDATE view_prm_deals SET stage = ?, status = ?, probability_bp = ?,"
               " closed_at = ? WHERE deal_id = ?",
               (e.outcome, e.outcome, basis_points(e.probability), iso(e.occurred_at),
                str(e.originator_id)))


def _conflict_resolved(tx: Transaction, e: Any) -> None:
    if e.resolution == "rejected":
        tx.execute("UPDATE view_prm_deals SET conflict = ?, resolved_at = ?, status = 'rejected',"
                   " probability_bp = 0, closed_at = ? WHERE deal_id = ?",
                   (e.resolution, iso(e.occurred_at), iso(e.occurred_at), str(e.originator_id)))
    else:
        tx.execute("UPDATE view_prm_deals SET conflict = ?, resolved_at = ? WHERE deal_id = ?",
                   (e.resolution, iso(e.occurred_at), str(e.originator_id)))


def _lead_converted(tx: Transaction, e: Any) -> None:
    tx.execute("INSERT INTO view_prm_converted_leads (lead_id, customer_id) VALUES (?, ?)",
               (str(e.originator_id), str(e.customer_id)))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


_HANDLERS: dict[str, Callable[[Transaction, Any], None]] = {
    REGISTERED: _registered, STAGE_CHANGED: _stage_changed, CLOSED: _closed,
    CONFLICT_RESOLVED: _conflict_resolved, get_topic(Lead.Converted): _lead_converted}


class PrmDealsView(TopicView):
    name = "prm_deals"
    topic_handlers = _HANDLERS
    tables = ("view_prm_deals", "view_prm_deal_conflicts", "view_prm_converted_leads")
    ddl = (
        "CREATE TABLE IF NOT EXISTS view_prm_deals ("
        " deal_id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, customer_id TEXT, lead_id TEXT,"
        " stage TEXT NOT NULL, probability_bp INTEGER NOT NULL, status TEXT NOT NULL,"
        " currency TEXT NOT NULL, amount_cents BIGINT NOT NULL,"
        " expected_close_date TEXT NOT NULL, registered_at TEXT NOT NULL, closed_at TEXT,"
        " conflict TEXT NOT NULL, resolved_at TEXT)",
        "CREATE INDEX IF NOT EXISTS view_prm_deals_partner"
        " ON view_prm_deals (partner_id, registered_at)",
        "CREATE INDEX IF NOT EXISTS view_prm_deals_customer ON view_prm_deals (customer_id)",
        "CREATE INDEX IF NOT EXISTS view_prm_deals_lead ON view_prm_deals (lead_id)",
        "CREATE INDEX IF NOT EXISTS view_prm_deals_registered"
        " ON view_prm_deals (registered_at, deal_id)",
        "CREATE TABLE IF NOT EXISTS view_prm_deal_conflicts ("
        " deal_id TEXT NOT NULL, conflict_id TEXT NOT NULL, PRIMARY KEY (deal_id, conflict_id))",
        "CREATE TABLE IF NOT EXISTS view_prm_converted_leads ("
        " lead_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_prm_converted_leads_customer"
        " ON view_prm_converted_leads (customer_id)",
    )


# -- reading ---------------------------------------------------------------------------------


Money = tuple[Decimal, str]  # (amount, currency)


@dataclass(frozen=True)
class DealRow:
    """A registration as the view knows it (no name: that is the customer's data)."""

    deal_id: str
    partner_id: str
    customer_id: str | None
    lead_id: str | None
    stage: str
    probability: Decimal
    status: str
    amount: Decimal
    currency: str
    expected_close_date: str  # YYYY-MM-DD
    registered_at: str
    closed_at: str | None
    conflict: str
    resolved_at: str | None
    conflicts: list[str]


@dataclass(frozen=True)
class DealFigures:
    """One partner's deals in `[start, end)`, and its pipeline as it stands now.

    `registered`, `won`, `lost` and `rejected` count registrations made, won, lost and
    rejected (by sales, on a conflict) in the period; `won_revenue` is the amount of those
    won in it, per currency. `open` and `pipeline` (their amount per currency) are the
    partner's open registrations now, whenever registered."""

    start: str
    end: str
    registered: int
    open: int
    won: int
    lost: int
    rejected: int
    won_revenue: list[Money]
    pipeline: list[Money]


#: The cursors' list names.
PARTNER_DEALS = "partnerDeals"
REGISTRATIONS = "dealRegistrations"


def partner_deals(views: ViewDatabase, partner_id: UUID | str, *, status: str | None = None,
                  first: int = 50, after: str | None = None) -> Page[DealRow]:
    """One partner's registrations, newest first, all or those of one status."""
    where, params = ["partner_id = ?"], [str(partner_id)]
    if status is not None:
        where.append("status = ?")
        params.append(_one_of(status, STATUSES, "status"))
    return _deals(views, where, params, list_name=PARTNER_DEALS, first=first, after=after)


def deal_registrations(views: ViewDatabase, *, conflicted: bool | None = None,
                       partner_id: UUID | str | None = None, first: int = 50,
                       after: str | None = None) -> Page[DealRow]:
    """Every partner's registrations, newest first, for internal sales. `conflicted`:
    only those awaiting a decision on their conflicts (flagged and still open), or only
    the others; `partner_id`: one partner's."""
    where: list[str] = []
    params: list[Any] = []
    if conflicted is not None:
        where.append("(conflict = 'flagged' AND status = 'open')" if conflicted
                     else "NOT (conflict = 'flagged' AND status = 'open')")
    if partner_id is not None:
        where.append("partner_id = ?")
        params.append(str(partner_id))
    return _deals(views, where, params, list_name=REGISTRATIONS, first=first, after=after)


def _deals(views: ViewDatabase, where: list[str], params: list[Any], *, list_name: str,
           first: int, after: str | None) -> Page[DealRow]:
    limit = page_size(first)
    key = decode_cursor(after, list_name, 2)
    if key is not None:
        where = [*where, "(registered_at < ? OR (registered_at = ? AND deal_id < ?))"]
        params = [*params, key[0], key[0], key[1]]
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = views.query(f"SELECT * FROM view_prm_deals{clause}"  # noqa: S608
                       " ORDER BY registered_at DESC, deal_id DESC LIMIT ?", (*params, limit + 1))
    deals = _rows(views, rows[:limit])
    return Page(items=[(encode_cursor(list_name, [deal.registered_at, deal.deal_id]), deal)
                       for deal in deals], has_next_page=len(rows) > limit)


def _rows(views: ViewDatabase, rows: list[dict[str, Any]]) -> list[DealRow]:
    conflicts: dict[str, list[str]] = {row["deal_id"]: [] for row in rows}
    flagged = [row["deal_id"] for row in rows if row["conflict"] != "none"]
    if flagged:
        marks = ", ".join("?" * len(flagged))
        for found in views.query("SELECT deal_id, conflict_id FROM view_prm_deal_conflicts"  # noqa: S608
                                 f" WHERE deal_id IN ({marks}) ORDER BY conflict_id", flagged):
            conflicts[found["deal_id"]].append(found["conflict_id"])
    return [DealRow(
        deal_id=row["deal_id"], partner_id=row["partner_id"], customer_id=row["customer_id"],
        lead_id=row["lead_id"], stage=row["stage"],
        probability=(Decimal(int(row["probability_bp"])) / BASIS_POINTS).quantize(CENT),
        status=row["status"], amount=_money(row["amount_cents"]), currency=row["currency"],
        expected_close_date=row["expected_close_date"], registered_at=row["registered_at"],
        closed_at=row["closed_at"], conflict=row["conflict"], resolved_at=row["resolved_at"],
        conflicts=conflicts[row["deal_id"]]) for row in rows]


def deal_figures(views: ViewDatabase, partner_id: UUID | str, start: datetime,
                 end: datetime) -> DealFigures:
    """The partner's deal figures of `[start, end)` (see `DealFigures`)."""
    since, until = period(start, end)
    partner = str(partner_id)
    (counts,) = views.query(
        "SELECT SUM(CASE WHEN registered_at >= ? AND registered_at < ? THEN 1 ELSE 0 END) AS registered,"
        " SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS open_now,"
        " SUM(CASE WHEN status = 'won' AND closed_at >= ? AND closed_at < ? THEN 1 ELSE 0 END) AS won,"
        " SUM(CASE WHEN status = 'lost' AND closed_at >= ? AND closed_at < ? THEN 1 ELSE 0 END) AS lost,"
        " SUM(CASE WHEN status = 'rejected' AND closed_at >= ? AND closed_at < ? THEN 1 ELSE 0 END)"
        " AS rejected FROM view_prm_deals WHERE partner_id = ?",
        (since, until, since, until, since, until, since, until, partner))
    won_revenue = views.query(
        "SELECT currency, SUM(amount_cents) AS total FROM view_prm_deals WHERE partner_id = ?"
        " AND status = 'won' AND closed_at >= ? AND closed_at < ? GROUP BY currency"
        " ORDER BY currency", (partner, since, until))
    pipeline = views.query(
        "SELECT currency, SUM(amount_cents) AS total FROM view_prm_deals WHERE partner_id = ?"
        " AND status = 'open' GROUP BY currency ORDER BY currency", (partner,))
    return DealFigures(
        start=since, end=until, registered=int(counts["registered"] or 0),
        open=int(counts["open_now"] or 0), won=int(counts["won"] or 0),
        lost=int(counts["lost"] or 0), rejected=int(counts["rejected"] or 0),
        won_revenue=[(_money(row["total"]), row["currency"]) for row in won_revenue],
        pipeline=[(_money(row["total"]), row["currency"]) for row in pipeline])


# -- what a new registration collides with -------------------------------------------------------


def open_deals_for(views: ViewDatabase, customer_id: UUID | str | None = None,
                   lead_id: UUID | str | None = None) -> list[str]:
    """The ids of the open registrations (any partner's) for this customer or this lead,
    counting a lead and the customer it became as one."""
    return deals_for(views, customer_id, lead_id, only_open=True)


def deals_for(views: ViewDatabase, customer_id: UUID | str | None = None,
              lead_id: UUID | str | None = None, *, only_open: bool = False) -> list[str]:
    """The ids of the registrations (any partner's, `only_open` or all) for this customer
    or this lead, counting a lead and the customer it became as one, oldest first."""
    subjects = _subjects(views, customer_id, lead_id)
    if not subjects:
        return []
    marks = ", ".join("?" * len(subjects))
    rows = views.query("SELECT deal_id FROM view_prm_deals WHERE"  # noqa: S608
                       f" (customer_id IN ({marks}) OR lead_id IN ({marks}))"
                       + (" AND status = 'open'" if only_open else "")
                       + " ORDER BY registered_at, deal_id", (*subjects, *subjects))
    return [row["deal_id"] for row in rows]


def open_opportunities_of(views: ViewDatabase, customer_id: UUID | str | None = None,
                          lead_id: UUID | str | None = None) -> list[str]:
    """The ids of our own open opportunities for this customer, or for the customer this
    lead became (from the sales view)."""
    subjects = _subjects(views, customer_id, lead_id)
    if not subjects:
        return []
    marks = ", ".join("?" * len(subjects))
    rows = views.query("SELECT opportunity_id FROM view_sales_opportunities"  # noqa: S608
                       f" WHERE customer_id IN ({marks}) AND stage IN ({_OPEN_MARKS})"
                       " ORDER BY opened_at, opportunity_id", (*subjects, *_OPEN))
    return [row["opportunity_id"] for row in rows]


def conflict_candidates(views: ViewDatabase, *, customer_id: UUID | str | None = None,
                        lead_id: UUID | str | None = None) -> list[str]:
    """What a new registration for this customer or lead may collide with: our open
    opportunities, then open registrations. Candidates: the hub confirms them from the log."""
    return [*open_opportunities_of(views, customer_id, lead_id),
            *open_deals_for(views, customer_id, lead_id)]


def partner_deal_ids(views: ViewDatabase, partner_id: UUID | str,
                     customer_id: UUID | str) -> list[str]:
    """The ids of the partner's registrations (any status) for this customer."""
    rows = views.query("SELECT deal_id FROM view_prm_deals WHERE partner_id = ?"
                       " AND customer_id = ? ORDER BY registered_at, deal_id",
                       (str(partner_id), str(customer_id)))
    return [row["deal_id"] for row in rows]


def _subjects(views: ViewDatabase, customer_id: UUID | str | None,
              lead_id: UUID | str | None) -> list[str]:
    """The customer and lead ids that stand for the same data subject as these."""
    subjects = {str(value) for value in (customer_id, lead_id) if value is not None}
    if subjects:
        marks = ", ".join("?" * len(subjects))
        for row in views.query("SELECT lead_id, customer_id FROM view_prm_converted_leads"  # noqa: S608
                               f" WHERE lead_id IN ({marks}) OR customer_id IN ({marks})",
                               (*subjects, *subjects)):
            subjects |= {row["lead_id"], row["customer_id"]}
    return sorted(subjects)


def _one_of(value: str, allowed: Sequence[str], field: str) -> str:
    if value not in allowed:
        raise InvalidValueError(field, f"unknown value {value!r} (allowed: {', '.join(allowed)})")
    return value


def _money(total_cents: Any) -> Decimal:
    return (Decimal(int(total_cents or 0)) / 100).quantize(CENT)

"""Reading the PRM view: partners as candidates for a lead, offers due for time-out, a
partner's offers, and a partner's figures.

Figures of a period `[start, end)` for one partner (business times, UTC):

- *offered*: offers made to it in the period;
- *accepted*, *rejected*, *timed out*: offers it accepted, rejected, or let lapse, in the
  period (whenever they were made); *acceptance rate*: accepted / (accepted + rejected +
  timed out), None when there were none;
- *converted*: leads it accepted that were converted in the period;
- *response time*: from the offer to the partner's answer (accept or reject; a time-out
  is no answer), of the answers given in the period, in seconds: the median and the 90th
  percentile (linear interpolation between closest ranks), None when there were none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.errors import InvalidValueError
from projections.customers import iso
from projections.database import Row, ViewDatabase
from projections.pages import Page, decode_cursor, encode_cursor, page_size
from projections.periods import period
from projections.service_queries import quantile

OFFER_STATUSES = ("offered", "accepted", "rejected", "timed_out", "withdrawn", "recalled")
#: The cursor's list name.
PARTNER_OFFERS = "partnerOffers"
_OPEN = "(o.status = 'offered' OR (o.status = 'accepted' AND o.outcome IS NULL))"


@dataclass(frozen=True)
class PartnerCandidate:
    """A partner as the distribution rules see it (`partners.routing.Candidate`)."""

    partner_id: UUID
    status: str
    territories: tuple[str, ...]
    products: tuple[str, ...]
    capacity: int
    open_leads: int
    last_offered_at: datetime | None


@dataclass(frozen=True)
class OfferRow:
    offer_id: UUID
    lead_id: UUID
    partner_id: UUID
    method: str
    rule: str | None
    territory: str | None
    product: str | None
    category: str | None
    source: str
    status: str
    offered_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    outcome: str | None
    closed_at: datetime | None


@dataclass(frozen=True)
class PrmFigures:
    partner_id: UUID
    start: datetime
    end: datetime
    offered: int
    accepted: int
    rejected: int
    timed_out: int
    converted: int
    acceptance_rate: float | None
    median_response_seconds: float | None
    p90_response_seconds: float | None


def partner_candidates(views: ViewDatabase, *, territory: str | None = None
                       ) -> list[PartnerCandidate]:
    """The active partners (serving `territory`, when given) with their current load."""
    where, params = "p.status = 'active'", []
    if territory is not None:
        where += " AND p.territories LIKE ?"
        params.append(f"% {territory} %")
    rows = views.query(
        "SELECT p.partner_id, p.status, p.territories, p.products, p.capacity,"  # noqa: S608
        f" (SELECT COUNT(*) FROM view_prm_offers o WHERE o.partner_id = p.partner_id AND {_OPEN})"
        " AS open_leads,"
        " (SELECT MAX(o.offered_at) FROM view_prm_offers o WHERE o.partner_id = p.partner_id)"
        f" AS last_offered_at FROM view_prm_partners p WHERE {where} ORDER BY p.partner_id",
        params)
    return [PartnerCandidate(
        partner_id=UUID(row["partner_id"]), status=row["status"],
        territories=tuple(row["territories"].split()), products=tuple(json.loads(row["products"])),
        capacity=row["capacity"], open_leads=row["open_leads"],
        last_offered_at=_time(row["last_offered_at"])) for row in rows]


def due_offers(views: ViewDatabase, at: datetime, *, limit: int = 500) -> list[UUID]:
    """The leads whose open offer expired by `at`, the longest overdue first."""
    rows = views.query("SELECT lead_id FROM view_prm_offers WHERE status = 'offered'"
                       " AND expires_at <= ? ORDER BY expires_at, lead_id LIMIT ?",
                       (iso(at), limit))
    return [UUID(row["lead_id"]) for row in rows]


def partner_offers(views: ViewDatabase, partner_id: UUID, *,
                   statuses: Sequence[str] | None = None, first: int,
                   after: str | None = None) -> Page[OfferRow]:
    """The partner's offers, newest first, of these statuses (all when None)."""
    limit = page_size(first)
    where, params = ["partner_id = ?"], [str(partner_id)]
    if statuses is not None:
        unknown = sorted(set(statuses) - set(OFFER_STATUSES))
        if unknown or not statuses:
            raise InvalidValueError("status", f"name one or more of {', '.join(OFFER_STATUSES)}")
        where.append(f"status IN ({', '.join('?' * len(statuses))})")
        params += list(statuses)
    key = decode_cursor(after, PARTNER_OFFERS, 2)
    if key is not None:
        where.append("(offered_at < ? OR (offered_at = ? AND offer_id < ?))")
        params += [key[0], key[0], key[1]]
    rows = views.query("SELECT * FROM view_prm_offers"  # noqa: S608
                       f" WHERE {' AND '.join(where)}"
                       " ORDER BY offered_at DESC, offer_id DESC LIMIT ?", (*params, limit + 1))
    return Page(items=[(encode_cursor(PARTNER_OFFERS, [row["offered_at"], row["offer_id"]]),
                        offer_row(row)) for row in rows[:limit]],
                has_next_page=len(rows) > limit)


def lead_offers(views: ViewDatabase, lead_id: UUID) -> list[OfferRow]:
    """Every offer of one lead, oldest first."""
    return [offer_row(row) for row in views.query(
        "SELECT * FROM view_prm_offers WHERE lead_id = ? ORDER BY offered_at, offer_id",
        (str(lead_id),))]


def partner_figures(views: ViewDatabase, partner_id: UUID, start: datetime,
                    end: datetime) -> PrmFigures:
    """The partner's figures of `[start, end)` (see the module's definitions)."""
    since, until = period(start, end)
    partner = str(partner_id)
    (counts,) = views.query(
        "SELECT"
        " SUM(CASE WHEN offered_at >= ? AND offered_at < ? THEN 1 ELSE 0 END) AS offered,"
        " SUM(CASE WHEN answer = 'accepted' AND answered_at >= ? AND answered_at < ?"
        " THEN 1 ELSE 0 END) AS accepted,"
        " SUM(CASE WHEN answer = 'rejected' AND answered_at >= ? AND answered_at < ?"
        " THEN 1 ELSE 0 END) AS rejected,"
        " SUM(CASE WHEN answer = 'timed_out' AND answered_at >= ? AND answered_at < ?"
        " THEN 1 ELSE 0 END) AS timed_out,"
        " SUM(CASE WHEN outcome = 'converted' AND closed_at >= ? AND closed_at < ?"
        " THEN 1 ELSE 0 END) AS converted"
        " FROM view_prm_offers WHERE partner_id = ?",
        (since, until) * 5 + (partner,))
    responses = sorted(row["response_us"] / 1e6 for row in views.query(
        "SELECT response_us FROM view_prm_offers WHERE partner_id = ?"
        " AND response_us IS NOT NULL AND answered_at >= ? AND answered_at < ?",
        (partner, since, until)))
    figures = {name: int(counts[name] or 0)
               for name in ("offered", "accepted", "rejected", "timed_out", "converted")}
    answered = figures["accepted"] + figures["rejected"] + figures["timed_out"]
    return PrmFigures(
        partner_id=partner_id, start=start, end=end, **figures,
        acceptance_rate=figures["accepted"] / answered if answered else None,
        median_response_seconds=quantile(responses, 0.5),
        p90_response_seconds=quantile(responses, 0.9))


#: The issue's name for the same figures.
prm_figures = partner_figures


def offer_row(row: Row) -> OfferRow:
    return OfferRow(
        offer_id=UUID(row["offer_id"]), lead_id=UUID(row["lead_id"]),
        partner_id=UUID(row["partner_id"]), method=row["method"], rule=row["rule"],
        territory=row["territory"], product=row["product"], category=row["category"],
        source=row["source"], status=row["status"], offered_at=_required(row["offered_at"]),
        expires_at=_required(row["expires_at"]), answered_at=_time(row["answered_at"]),
        outcome=row["outcome"], closed_at=_time(row["closed_at"]))


def _time(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _required(text: Any) -> datetime:
    return datetime.fromisoformat(text)

"""The PRM view: partners, the leads offered to them, and how they answered.

Tables (ids as text, times as ISO-8601 UTC text):

- `view_prm_partners`: one row per partner, its terms as they stand (kind, status,
  territories, products, capacity), for the distribution rules.
- `view_prm_offers`: one row per offer of a lead to a partner: how it was made, what the
  lead is about, its status (offered, accepted, rejected, timed_out, withdrawn, recalled),
  the partner's answer and when, and, for an accepted lead, what became of it (`outcome`:
  converted or disqualified) and when.

A partner's *open leads* are its unanswered offers plus the leads it accepted that were
neither converted, disqualified nor recalled: what counts against its capacity.

The partner and offer events are matched by their topics, not their classes: `projections`
does not import `partners` (see `projections/consent.py`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.utils import get_topic

from domain.sales import Lead
from projections.customers import iso
from projections.database import Transaction
from projections.sales import microseconds
from projections.view import TopicView

PARTNER = "partners.partner:Partner."
OFFERS = "partners.offers:LeadDistribution."


def _partner_registered(tx: Transaction, e: Any) -> None:
    tx.execute("INSERT INTO view_prm_partners (partner_id, kind, status, territories, products,"
               " capacity) VALUES (?, ?, 'active', ?, ?, ?)",
               (str(e.originator_id), e.kind, _territories(e.territories),
                json.dumps(e.products), e.capacity))


def _partner_updated(tx: Transaction, e: Any) -> None:
    tx.execute("UPDATE view_prm_partners SET territories = ?, products = ?, capacity = ?"
               " WHERE partner_id = ?",
               (_territories(e.territories), json.dumps(e.products), e.capacity,
                str(e.originator_id)))


def _partner_status(status: str) -> Callable[[Transaction, Any], None]:
    def handle(tx: Transaction, e: Any) -> None:
        tx.execute("UPDATE view_prm_partners SET status = ? WHERE partner_id = ?",
                   (status, str(e.originator_id)))

    return handle


def _offered(tx: Transaction, e: Any) -> None:
    tx.execute(
        "INSERT INTO view_prm_offers (offer_id, lead_id, partner_id, method, rule, territory,"
        " product, category, source, status, offered_at, offered_us, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'offered', ?, ?, ?)",
        (str(e.offer_id), str(e.lead_id), str(e.partner_id), e.method, e.rule, e.territory,
         e.product, e.category, e.source, iso(e.occurred_at), microseconds(e.occurred_at),
         iso(e.expires_at)))


def _answered(status: str, *, responded: bool) -> Callable[[Transaction, Any], None]:
    """The partner's answer (`responded`: its response time counts) or a time-out or a
    withdrawal, which end the offer without one."""

    def handle(tx: Transaction, e: Any) -> None:
        tx.execute("UPDATE view_prm_offers SET status = ?, answer = ?, answered_at = ?,"
                   " response_us = CASE WHEN ? = 1 THEN ? - offered_us END WHERE offer_id = ?",
                   (status, status, iso(e.occurred_at), int(responded),
                    microseconds(e.occurred_at), str(e.offer_id)))

    return handle


def _recalled(tx: Transaction, e: Any) -> None:
    tx.execute("UPDATE view_prm_offers SET status = 'recalled', closed_at = ? WHERE offer_id = ?",
               (iso(e.occurred_at), str(e.offer_id)))


def _lead_closed(outcome: str) -> Callable[[Transaction, Any], None]:
    """A lead a partner holds was converted or disqualified: it no longer counts against
    the partner's capacity, and a conversion counts for the partner."""

    def handle(tx: Transaction, e: Any) -> None:
        tx.execute("UPDATE view_prm_offers SET outcome = ?, closed_at = ?"
                   " WHERE lead_id = ? AND status = 'accepted' AND outcome IS NULL",
                   (outcome, iso(e.occurred_at), str(e.originator_id)))

    return handle


def _territories(codes: Sequence[str]) -> str:
    """Stored as ' DE AT ': a territory is found with LIKE '% DE %'."""
    return f" {' '.join(codes)} "


_HANDLERS: dict[str, Callable[[Transaction, Any], None]] = {
    PARTNER + "Registered": _partner_registered,
    PARTNER + "Updated": _partner_updated,
    PARTNER + "Suspended": _partner_status("suspended"),
    PARTNER + "Reactivated": _partner_status("active"),
    PARTNER + "Terminated": _partner_status("terminated"),
    OFFERS + "Offered": _offered,
    OFFERS + "Accepted": _answered("accepted", responded=True),
    OFFERS + "Rejected": _answered("rejected", responded=True),
    OFFERS + "TimedOut": _answered("timed_out", responded=False),
    OFFERS + "Withdrawn": _answered("withdrawn", responded=False),
    OFFERS + "Recalled": _recalled,
    get_topic(Lead.Converted): _lead_closed("converted"),
    get_topic(Lead.Disqualified): _lead_closed("disqualified"),
}


class PrmView(TopicView):
    name = "prm"
    topic_handlers = _HANDLERS
    tables = ("view_prm_partners", "view_prm_offers")
    ddl = (
        "CREATE TABLE IF NOT EXISTS view_prm_partners ("
        " partner_id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,"
        " territories TEXT NOT NULL, products TEXT NOT NULL, capacity INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS view_prm_offers ("
        " offer_id TEXT PRIMARY KEY, lead_id TEXT NOT NULL, partner_id TEXT NOT NULL,"
        " method TEXT NOT NULL, rule TEXT, territory TEXT, product TEXT, category TEXT,"
        " source TEXT NOT NULL, status TEXT NOT NULL, offered_at TEXT NOT NULL,"
        " offered_us BIGINT NOT NULL, expires_at TEXT NOT NULL, answer TEXT, answered_at TEXT,"
        " response_us BIGINT, outcome TEXT, closed_at TEXT)",
        "CREATE INDEX IF NOT EXISTS view_prm_offers_partner"
        " ON view_prm_offers (partner_id, offered_at)",
        "CREATE INDEX IF NOT EXISTS view_prm_offers_due ON view_prm_offers (status, expires_at)",
        "CREATE INDEX IF NOT EXISTS view_prm_offers_lead ON view_prm_offers (lead_id)",
    )

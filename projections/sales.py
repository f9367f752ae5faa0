"""The sales view: the pipeline, the forecast, lead conversion, and the sales metrics.

Tables (ids as text, times as ISO-8601 UTC business times, money in integer cents):

- `view_sales_opportunities`: one row per opportunity as it stands (owner, currency,
  amount, stage and its win probability in basis points, expected close date), with
  when it opened and closed and, once closed, its sales cycle in microseconds. The
  pipeline, the forecast and the win rate read it; quotes join it for their owner.
- `view_sales_leads`: one row per lead: source, owner, when captured, its status and
  whether it was ever qualified (a converted or a disqualified lead may have been).
- `view_sales_customers`: each customer's current owner, which the per-owner metrics
  of prospects, retained customers and recurring revenue are counted for, and the time
  of their first purchase (the earliest, in whatever order purchases were recorded),
  which tells whether a buyer in a period had bought before it.
- `view_sales_prospects`: one row per time a customer was registered as, or moved to,
  the prospect stage.
- `view_sales_interactions`: channel, direction, department and who handled every
  interaction, corrected in place: a correction may turn any interaction into a sales
  call or out of one, so all are kept.
- `view_sales_quotes`: when each quote (proposal) was issued, and for which opportunity.
- `view_sales_purchases`: every purchase's customer, currency and total, less what was
  refunded of it so far.

No free text (names, notes, reasons, subjects) is kept: the view holds no personal data.
Every handler only writes (the sales cycle is computed by the closing `UPDATE` from the
stored opening time, the first purchase kept by an `UPDATE` that keeps the earlier), so
a page of events flows to PostgreSQL in one pipeline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.customers import Customer, LifecycleStage
from domain.interactions import Interaction
from domain.orders import Purchase
from domain.sales import Lead, LeadStatus, Opportunity, Quote
from projections.customers import cents, iso
from projections.database import Transaction
from projections.view import View, handles

#: Probabilities are kept as integer basis points (0.10 -> 1000), so SQL sums stay exact.
BASIS_POINTS = 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def basis_points(probability: Decimal) -> int:
    return int((probability * BASIS_POINTS).to_integral_value())


def microseconds(moment: datetime) -> int:
    """Microseconds since the epoch, exactly (no float rounding)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


class SalesView(View):
    name = "sales"
    version = 1
    tables = ("view_sales_opportunities", "view_sales_leads", "view_sales_customers",
              "view_sales_prospects", "view_sales_interactions", "view_sales_quotes",
              "view_sales_purchases")
    ddl = (
        "CREATE TABLE IF NOT EXISTS view_sales_opportunities ("
        " opportunity_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, owner TEXT,"
        " currency TEXT NOT NULL, amount_cents BIGINT NOT NULL, stage TEXT NOT NULL,"
        " probability_bp INTEGER NOT NULL, expected_close_date TEXT NOT NULL,"
        " opened_at TEXT NOT NULL, opened_us BIGINT NOT NULL, closed_at TEXT, cycle_us BIGINT)",
        "CREATE INDEX IF NOT EXISTS view_sales_opportunities_stage"
        " ON view_sales_opportunities (stage, expected_close_date)",
        "CREATE INDEX IF NOT EXISTS view_sales_opportunities_closed"
        " ON view_sales_opportunities (closed_at)",
        "CREATE TABLE IF NOT EXISTS view_sales_leads ("
        " lead_id TEXT PRIMARY KEY, source TEXT NOT NULL, channel TEXT NOT NULL, owner TEXT,"
        " captured_at TEXT NOT NULL, status TEXT NOT NULL, qualified INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_sales_leads_captured ON view_sales_leads (captured_at)",
        "CREATE TABLE IF NOT EXISTS view_sales_customers ("
        " customer_id TEXT PRIMARY KEY, owner TEXT, first_purchase_at TEXT)",
        "CREATE TABLE IF NOT EXISTS view_sales_prospects ("
        " customer_id TEXT NOT NULL, version BIGINT NOT NULL, occurred_at TEXT NOT NULL,"
        " PRIMARY KEY (customer_id, version))",
        "CREATE INDEX IF NOT EXISTS view_sales_prospects_time"
        " ON view_sales_prospects (occurred_at)",
        "CREATE TABLE IF NOT EXISTS view_sales_interactions ("
        " interaction_id TEXT PRIMARY KEY, occurred_at TEXT NOT NULL, channel TEXT NOT NULL,"
        " direction TEXT NOT NULL, department TEXT NOT NULL, handled_by TEXT,"
        " recorded_by TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_sales_interactions_calls"
        " ON view_sales_interactions (department, direction, occurred_at, channel)",
        "CREATE TABLE IF NOT EXISTS view_sales_quotes ("
        " quote_id TEXT PRIMARY KEY, opportunity_id TEXT NOT NULL, occurred_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_sales_quotes_time ON view_sales_quotes (occurred_at)",
        "CREATE TABLE IF NOT EXISTS view_sales_purchases ("
        " purchase_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, currency TEXT NOT NULL,"
        " total_cents BIGINT NOT NULL, refunded_cents BIGINT NOT NULL DEFAULT 0,"
        " occurred_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_sales_purchases_time ON view_sales_purchases (occurred_at)",
    )

    # -- opportunities ------------------------------------------------------------------

    @handles(Opportunity.Opened)
    def opportunity_opened(self, tx: Transaction, e: Any) -> None:
        tx.execute(
            "INSERT INTO view_sales_opportunities (opportunity_id, customer_id, owner, currency,"
            " amount_cents, stage, probability_bp, expected_close_date, opened_at, opened_us)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (str(e.originator_id), str(e.customer_id), e.owner, e.currency, cents(e.amount),
             e.stage, basis_points(e.probability), e.expected_close_date.isoformat(),
             iso(e.occurred_at), microseconds(e.occurred_at)))

    @handles(Opportunity.Updated)
    def opportunity_updated(self, tx: Transaction, e: Any) -> None:
        if e.amount is None and e.expected_close_date is None and e.owner is None:
            return  # only the name changed, which this view does not keep
        close = None if e.expected_close_date is None else e.expected_close_date.isoformat()
        tx.execute("UPDATE view_sales_opportunities SET amount_cents = COALESCE(?, amount_cents),"
                   " expected_close_date = COALESCE(?, expected_close_date),"
                   " owner = COALESCE(?, owner) WHERE opportunity_id = ?",
                   (None if e.amount is None else cents(e.amount), close, e.owner,
                    str(e.originator_id)))

    @handles(Opportunity.StageChanged)
    def opportunity_stage_changed(self, tx: Transaction, e: Any) -> None:
        tx.execute("UPDATE view_sales_opportunities SET stage = ?, probability_bp = ?"
                   " WHERE opportunity_id = ?",
                   (e.stage, basis_points(e.probability), str(e.originator_id)))

    @handles(Opportunity.Closed)
    def opportunity_closed(self, tx: Transaction, e: Any) -> None:
        tx.execute("UPDATE view_sales_opportunities SET stage = ?, probability_bp = ?,"
                   " closed_at = ?, cycle_us = ? - opened_us WHERE opportunity_id = ?",
                   (e.outcome, basis_points(e.probability), iso(e.occurred_at),
                    microseconds(e.occurred_at), str(e.originator_id)))

    # -- leads --------------------------------------------------------------------------------

    @handles(Lead.Captured)
    def lead_captured(self, tx: Transaction, e: Any) -> None:
        tx.execute("INSERT INTO view_sales_leads (lead_id, source, channel, owner, captured_at,"
                   " status, qualified) VALUES (?, ?, ?, ?, ?, ?, 0)",
                   (str(e.originator_id), e.source, e.channel, e.owner, iso(e.occurred_at),
                    LeadStatus.NEW.value))

    @handles(Lead.Qualified)
    def lead_qualified(self, tx: Transaction, e: Any) -> None:
        tx.execute("UPDATE view_sales_leads SET status = ?, qualified = 1 WHERE lead_id = ?",
                   (LeadStatus.QUALIFIED.value, str(e.originator_id)))

    @handles(Lead.Disqualified)
    def lead_disqualified(self, tx: Transaction, e: Any) -> None:
        self._lead_status(tx, e, LeadStatus.DISQUALIFIED)

    @handles(Lead.Converted)
    def lead_converted(self, tx: Transaction, e: Any) -> None:
        self._lead_status(tx, e, LeadStatus.CONVERTED)

    @staticmethod
    def _lead_status(tx: Transaction, e: Any, status: LeadStatus) -> None:
        tx.execute("UPDATE view_sales_leads SET status = ? WHERE lead_id = ?",
                   (status.value, str(e.originator_id)))

    # -- customers: owners and prospects ------------------------------------------------------

    @handles(Customer.Registered)
    def customer_registered(self, tx: Transaction, e: Any) -> None:
        tx.execute("INSERT INTO view_sales_customers (customer_id, owner) VALUES (?, ?)",
                   (str(e.originator_id), e.owner or None))
        if e.stage == LifecycleStage.PROSPECT:
            self._prospect(tx, e)

    @handles(Customer.StageChanged)
    def customer_stage_changed(self, tx: Transaction, e: Any) -> None:
        if e.stage == LifecycleStage.PROSPECT:
            self._prospect(tx, e)

    @handles(Customer.OwnerAssigned)
    def customer_owner_assigned(self, tx: Transaction, e: Any) -> None:
        tx.execute("UPDATE view_sales_customers SET owner = ? WHERE customer_id = ?",
                   (e.owner, str(e.originator_id)))

    @staticmethod
    def _prospect(tx: Transaction, e: Any) -> None:
        tx.execute("INSERT INTO view_sales_prospects (customer_id, version, occurred_at)"
                   " VALUES (?, ?, ?)",
                   (str(e.originator_id), e.originator_version, iso(e.occurred_at)))

    # -- calls, proposals, purchases --------------------------------------------------------

    @handles(Interaction.Recorded)
    def interaction_recorded(self, tx: Transaction, e: Any) -> None:
        tx.execute("INSERT INTO view_sales_interactions (interaction_id, occurred_at, channel,"
                   " direction, department, handled_by, recorded_by)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (str(e.originator_id), iso(e.occurred_at), e.channel, e.direction,
                    e.department, e.handled_by, e.actor))

    @handles(Interaction.Corrected)
    def interaction_corrected(self, tx: Transaction, e: Any) -> None:
        if all(value is None for value in (e.channel, e.direction, e.department, e.handled_by)):
            return
        tx.execute("UPDATE view_sales_interactions SET channel = COALESCE(?, channel),"
                   " direction = COALESCE(?, direction), department = COALESCE(?, department),"
                   " handled_by = COALESCE(?, handled_by) WHERE interaction_id = ?",
                   (e.channel, e.direction, e.department, e.handled_by, str(e.originator_id)))

    @handles(Quote.Issued)
    def quote_issued(self, tx: Transaction, e: Any) -> None:
        tx.execute("INSERT INTO view_sales_quotes (quote_id, opportunity_id, occurred_at)"
                   " VALUES (?, ?, ?)",
                   (str(e.originator_id), str(e.opportunity_id), iso(e.occurred_at)))

    @handles(Purchase.Recorded)
    def purchase_recorded(self, tx: Transaction, e: Any) -> None:
        tx.execute("INSERT INTO view_sales_purchases (purchase_id, customer_id, currency,"
                   " total_cents, occurred_at) VALUES (?, ?, ?, ?, ?)",
                   (str(e.originator_id), str(e.customer_id), e.currency, cents(e.total),
                    iso(e.occurred_at)))
        tx.execute("UPDATE view_sales_customers SET first_purchase_at = CASE"
                   " WHEN first_purchase_at IS NULL OR ? < first_purchase_at THEN ?"
                   " ELSE first_purchase_at END WHERE customer_id = ?",
                   (iso(e.occurred_at), iso(e.occurred_at), str(e.customer_id)))

    @handles(Purchase.Refunded)
    def purchase_refunded(self, tx: Transaction, e: Any) -> None:
        tx.execute("UPDATE view_sales_purchases SET refunded_cents = refunded_cents + ?"
                   " WHERE purchase_id = ?", (cents(e.amount), str(e.originator_id)))

"""The marketing view: campaigns, who they reached, how those customers responded, and
what the converted ones bought afterwards.

Tables (ids as text, money in integer cents):

- `view_marketing_campaigns`: one row per campaign (name, channel, status, budget,
  period as ISO dates).
- `view_marketing_messages`: one row per message, i.e. per (campaign, customer).
- `view_marketing_responses`: one row per (campaign, customer, response) with how many
  times it was recorded, the earliest business time it happened (`first_us`), and for a
  conversion the value recorded with it.
- `view_marketing_purchases`: every purchase (customer, business time, currency, total)
  with the refunds given on it so far.

Revenue is attributed in the query (`projections.marketing_queries`), never here: a
conversion and the purchases that follow it are separate aggregates, so the log may hold
them in any order (a purchase imported before the conversion that preceded it, a late
conversion receipt). Storing the facts and joining them when asked is exact whatever the
order, and the attribution window can be a query argument. Business times that take part
in window arithmetic are stored as integer microseconds since the Unix epoch, the one
representation both databases add and compare alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.marketing import Campaign, CampaignMessage
from domain.orders import Purchase
from projections.customers import cents
from projections.database import Transaction
from projections.view import View, handles

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch, exactly (no float on the way)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


class MarketingView(View):
    name = "marketing"
    version = 1
    tables = ("view_marketing_campaigns", "view_marketing_messages", "view_marketing_responses",
              "view_marketing_purchases")
    ddl = (
        "CREATE TABLE IF NOT EXISTS view_marketing_campaigns ("
        " id TEXT PRIMARY KEY, name TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL,"
        " budget_cents BIGINT NOT NULL, currency TEXT NOT NULL, starts_on TEXT NOT NULL,"
        " ends_on TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_marketing_campaigns_start"
        " ON view_marketing_campaigns (starts_on, id)",
        "CREATE TABLE IF NOT EXISTS view_marketing_messages ("
        " campaign_id TEXT NOT NULL, customer_id TEXT NOT NULL,"
        " PRIMARY KEY (campaign_id, customer_id))",
        "CREATE TABLE IF NOT EXISTS view_marketing_responses ("
        " campaign_id TEXT NOT NULL, customer_id TEXT NOT NULL, response TEXT NOT NULL,"
        " times INTEGER NOT NULL, first_us BIGINT NOT NULL, value_cents BIGINT,"
        " PRIMARY KEY (campaign_id, response, customer_id))",
        "CREATE TABLE IF NOT EXISTS view_marketing_purchases ("
        " purchase_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, occurred_us BIGINT NOT NULL,"
        " currency TEXT NOT NULL, total_cents BIGINT NOT NULL,"
        " refunded_cents BIGINT NOT NULL DEFAULT 0)",
        "CREATE INDEX IF NOT EXISTS view_marketing_purchases_customer"
        " ON view_marketing_purchases (customer_id, occurred_us)",
    )

    # -- campaigns ------------------------------------------------------------------------

    @handles(Campaign.Created)
    def campaign_created(self, tx: Transaction, e: Any) -> None:
        tx.execute(
            "INSERT INTO view_marketing_campaigns (id, name, channel, status, budget_cents,"
            " currency, starts_on, ends_on) VALUES (?, ?, ?, 'draft', ?, ?, ?, ?)",
            (str(e.originator_id), e.name, e.channel, cents(e.budget), e.currency,
             e.starts_on.isoformat(), e.ends_on.isoformat()))

    @handles(Campaign.Launched)
    def campaign_launched(self, tx: Transaction, e: Any) -> None:
        self._status(tx, e, "launched")

    @handles(Campaign.Completed)
    def campaign_completed(self, tx: Transaction, e: Any) -> None:
        self._status(tx, e, "completed")

    @handles(Campaign.Cancelled)
    def campaign_cancelled(self, tx: Transaction, e: Any) -> None:
        self._status(tx, e, "cancelled")

    @staticmethod
    def _status(tx: Transaction, e: Any, status: str) -> None:
        tx.execute("UPDATE view_marketing_campaigns SET status = ? WHERE id = ?",
                   (status, str(e.originator_id)))

    # -- messages and responses -----------------------------------------------------------

    @handles(CampaignMessage.Sent)
    def message_sent(self, tx: Transaction, e: Any) -> None:
        tx.execute("INSERT INTO view_marketing_messages (campaign_id, customer_id) VALUES (?, ?)",
                   (str(e.campaign_id), str(e.customer_id)))

    @handles(CampaignMessage.ResponseRecorded)
    def response_recorded(self, tx: Transaction, e: Any) -> None:
        # A message's events arrive in version order, but their business times need not
        # follow it (a backdated open after a later one): keep the earliest.
        tx.execute(
            "INSERT INTO view_marketing_responses (campaign_id, customer_id, response, times,"
            " first_us, value_cents) VALUES (?, ?, ?, 1, ?, ?)"
            " ON CONFLICT (campaign_id, response, customer_id) DO UPDATE SET"
            " times = view_marketing_responses.times + 1,"
            " first_us = CASE WHEN excluded.first_us < view_marketing_responses.first_us"
            " THEN excluded.first_us ELSE view_marketing_responses.first_us END",
            (str(e.campaign_id), str(e.customer_id), e.response, epoch_us(e.occurred_at),
             None if e.value is None else cents(e.value)))

    # -- purchases --------------------------------------------------------------------------

    @handles(Purchase.Recorded)
    def purchase_recorded(self, tx: Transaction, e: Any) -> None:
        tx.execute(
            "INSERT INTO view_marketing_purchases (purchase_id, customer_id, occurred_us,"
            " currency, total_cents) VALUES (?, ?, ?, ?, ?)",
            (str(e.originator_id), str(e.customer_id), epoch_us(e.occurred_at), e.currency,
             cents(e.total)))

    @handles(Purchase.Refunded)
    def purchase_refunded(self, tx: Transaction, e: Any) -> None:
        tx.execute("UPDATE view_marketing_purchases SET refunded_cents = refunded_cents + ?"
                   " WHERE purchase_id = ?", (cents(e.amount), str(e.originator_id)))

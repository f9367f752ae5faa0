"""The customer directory and the customer 360: profile, timeline, and what is open.

Tables (all keyed by ids as text, times as ISO-8601 UTC text, money in cents):

- `view_customers`: one row per customer, with the 360 counters (open cases, open
  opportunities, last purchase) kept current as those events arrive. An erased
  customer keeps their row without personal fields (`erased` = 1).
- `view_customer_emails`, `view_customer_tags`: for prefix search and tag filters.
- `view_timeline`: one row per interaction, corrected in place when a correction
  arrives (the log keeps both; the view shows the corrected story).
- `view_customer_revenue`: lifetime revenue per customer and currency, net of refunds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from domain.customers import Customer
from domain.interactions import Interaction
from domain.opportunities import Opportunity
from domain.orders import Purchase
from domain.service import Case
from projections.database import Transaction
from projections.view import View, handles


@lru_cache(maxsize=8192)
def iso(moment: datetime) -> str:
    """A time as text that sorts as time does (UTC, fixed width). Cached: every view
    formats the same event times."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def display_name(given: str | None, family: str | None, company: str | None) -> str:
    return " ".join(part for part in (given, family) if part) or company or ""


class CustomerView(View):
    name = "customers"
    version = 3
    tables = ("view_customers", "view_customer_emails", "view_customer_tags", "view_timeline",
              "view_customer_revenue", "view_purchase_currency")
    retired_tables = ("view_customer_cases", "view_customer_opportunities")
    ddl = (
        "CREATE TABLE IF NOT EXISTS view_customers ("
        " id TEXT PRIMARY KEY, kind TEXT NOT NULL, display_name TEXT NOT NULL,"
        " search_name TEXT NOT NULL, given_name TEXT, family_name TEXT, job_title TEXT,"
        " company_name TEXT, organisation_id TEXT, stage TEXT NOT NULL, owner TEXT,"
        " version BIGINT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
        " open_cases INTEGER NOT NULL DEFAULT 0, open_opportunities INTEGER NOT NULL DEFAULT 0,"
        " last_purchase_at TEXT, erased INTEGER NOT NULL DEFAULT 0)",
        "CREATE INDEX IF NOT EXISTS view_customers_search ON view_customers (search_name, id)",
        "CREATE INDEX IF NOT EXISTS view_customers_company ON view_customers (company_name, id)",
        "CREATE INDEX IF NOT EXISTS view_customers_owner ON view_customers (owner, id)",
        "CREATE INDEX IF NOT EXISTS view_customers_stage ON view_customers (stage, id)",
        "CREATE TABLE IF NOT EXISTS view_customer_emails ("
        " email TEXT NOT NULL, customer_id TEXT NOT NULL, PRIMARY KEY (email, customer_id))",
        "CREATE INDEX IF NOT EXISTS view_customer_emails_customer"
        " ON view_customer_emails (customer_id)",
        "CREATE TABLE IF NOT EXISTS view_customer_tags ("
        " tag TEXT NOT NULL, customer_id TEXT NOT NULL, PRIMARY KEY (tag, customer_id))",
        "CREATE INDEX IF NOT EXISTS view_customer_tags_customer ON view_customer_tags (customer_id)",
        "CREATE TABLE IF NOT EXISTS view_timeline ("
        " interaction_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, occurred_at TEXT NOT NULL,"
        " recorded_at TEXT NOT NULL, channel TEXT NOT NULL, direction TEXT NOT NULL,"
        " department TEXT NOT NULL, subject TEXT NOT NULL, summary TEXT, handled_by TEXT,"
        " duration_seconds INTEGER, case_id TEXT, opportunity_id TEXT, campaign_id TEXT,"
        " order_id TEXT, corrected INTEGER NOT NULL DEFAULT 0)",
        "CREATE INDEX IF NOT EXISTS view_timeline_customer"
        " ON view_timeline (customer_id, occurred_at, interaction_id)",
        "CREATE TABLE IF NOT EXISTS view_customer_revenue ("
        " customer_id TEXT NOT NULL, currency TEXT NOT NULL, revenue_cents BIGINT NOT NULL,"
        " PRIMARY KEY (customer_id, currency))",
        "CREATE TABLE IF NOT EXISTS view_purchase_currency ("
        " purchase_id TEXT PRIMARY KEY, currency TEXT NOT NULL)",
    )

    # -- profile ------------------------------------------------------------------------

    @handles(Customer.Registered)
    def registered(self, tx: Transaction, e: Any) -> None:
        name = display_name(e.given_name, e.family_name, e.company_name)
        tx.execute(
            "INSERT INTO view_customers (id, kind, display_name, search_name, given_name,"
            " family_name, job_title, company_name, organisation_id, stage, owner, version,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (str(e.originator_id), e.kind, name, name.lower(), e.given_name, e.family_name,
             e.job_title, e.company_name, _text(e.organisation_id), e.stage, e.owner,
             e.originator_version, iso(e.timestamp), iso(e.timestamp)))
        self._emails(tx, e.originator_id, e.emails)
        tx.executemany("INSERT INTO view_customer_tags (tag, customer_id) VALUES (?, ?)",
                       [(tag, str(e.originator_id)) for tag in e.tags])

    @handles(Customer.ProfileUpdated)
    def profile_updated(self, tx: Transaction, e: Any) -> None:
        changes = {name: getattr(e, name) for name in
                   ("given_name", "family_name", "job_title", "company_name")
                   if getattr(e, name) is not None}
        if changes:
            (row,) = tx.query("SELECT given_name, family_name, company_name FROM view_customers"
                              " WHERE id = ?", (str(e.originator_id),))
            merged = {**row, **changes}
            name = display_name(merged["given_name"], merged["family_name"],
                                merged["company_name"])
            changes |= {"display_name": name, "search_name": name.lower()}
        self._touch(tx, e, **changes)
        if e.emails is not None:
            tx.execute("DELETE FROM view_customer_emails WHERE customer_id = ?",
                       (str(e.originator_id),))
            self._emails(tx, e.originator_id, e.emails)

    @handles(Customer.StageChanged)
    def stage_changed(self, tx: Transaction, e: Any) -> None:
        self._touch(tx, e, stage=e.stage)

    @handles(Customer.OwnerAssigned)
    def owner_assigned(self, tx: Transaction, e: Any) -> None:
        self._touch(tx, e, owner=e.owner)

    @handles(Customer.TagsChanged)
    def tags_changed(self, tx: Transaction, e: Any) -> None:
        customer = str(e.originator_id)
        tx.executemany("DELETE FROM view_customer_tags WHERE tag = ? AND customer_id = ?",
                       [(tag, customer) for tag in e.removed])
        tx.executemany("INSERT INTO view_customer_tags (tag, customer_id) VALUES (?, ?)"
                       " ON CONFLICT DO NOTHING", [(tag, customer) for tag in e.added])
        self._touch(tx, e)

    @handles(Customer.ExternalIdLinked)
    def external_id_linked(self, tx: Transaction, e: Any) -> None:
        self._touch(tx, e)

    @handles(Customer.Erased)
    def erased(self, tx: Transaction, e: Any) -> None:
        """Drop every personal field of the customer (what stays: ids, company, stage,
        owner, tags, counts and money), here and on their timeline. A rebuild reads the
        erased events as blanks and ends here too, so both give the same rows."""
        customer = str(e.originator_id)
        (row,) = tx.query("SELECT company_name FROM view_customers WHERE id = ?", (customer,))
        name = row["company_name"] or ""
        self._touch(tx, e, given_name=None, family_name=None, job_title=None,
                    display_name=name, search_name=name.lower(), erased=1)
        tx.execute("DELETE FROM view_customer_emails WHERE customer_id = ?", (customer,))
        tx.execute("UPDATE view_timeline SET subject = '', summary = NULL WHERE customer_id = ?",
                   (customer,))

    @staticmethod
    def _touch(tx: Transaction, e: Any, **columns: Any) -> None:
        assignments = "".join(f"{name} = ?, " for name in columns)
        tx.execute(f"UPDATE view_customers SET {assignments}version = ?, updated_at = ?"  # noqa: S608
                   " WHERE id = ?",
                   (*columns.values(), e.originator_version, iso(e.timestamp),
                    str(e.originator_id)))

    @staticmethod
    def _emails(tx: Transaction, customer_id: Any, emails: list[str]) -> None:
        tx.executemany("INSERT INTO view_customer_emails (email, customer_id) VALUES (?, ?)",
                       [(email, str(customer_id)) for email in emails])

    # -- timeline -------------------------------------------------------------------------

    @handles(Interaction.Recorded)
    def interaction_recorded(self, tx: Transaction, e: Any) -> None:
        tx.execute(
            "INSERT INTO view_timeline (interaction_id, customer_id, occurred_at, recorded_at,"
            " channel, direction, department, subject, summary, handled_by, duration_seconds,"
            " case_id, opportunity_id, campaign_id, order_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (str(e.originator_id), str(e.customer_id), iso(e.occurred_at), iso(e.timestamp),
             e.channel, e.direction, e.department, e.subject, e.summary, e.handled_by,
             e.duration_seconds, _text(e.case_id), _text(e.opportunity_id),
             _text(e.campaign_id), _text(e.order_id)))

    @handles(Interaction.Corrected)
    def interaction_corrected(self, tx: Transaction, e: Any) -> None:
        columns = {name: getattr(e, name) for name in
                   ("channel", "direction", "department", "subject", "summary", "handled_by",
                    "duration_seconds") if getattr(e, name) is not None}
        assignments = "".join(f"{name} = ?, " for name in columns)
        tx.execute(f"UPDATE view_timeline SET {assignments}corrected = 1"  # noqa: S608
                   " WHERE interaction_id = ?", (*columns.values(), str(e.originator_id)))

    # -- what is open, what was bought ----------------------------------------------------------

    # The case and opportunity rules fix what each event does to "open": a case opens,
    # is resolved only while open, closed only once resolved, reopened only when resolved
    # or closed; an opportunity opens and closes once. So the counts move by one, with
    # no read.

    @handles(Case.Opened, Case.Reopened)
    def case_opened(self, tx: Transaction, e: Any) -> None:
        self._count(tx, "cases", e.customer_id, +1)

    @handles(Case.Resolved)
    def case_resolved(self, tx: Transaction, e: Any) -> None:
        self._count(tx, "cases", e.customer_id, -1)

    @handles(Opportunity.Opened)
    def opportunity_opened(self, tx: Transaction, e: Any) -> None:
        self._count(tx, "opportunities", e.customer_id, +1)

    @handles(Opportunity.Closed)
    def opportunity_closed(self, tx: Transaction, e: Any) -> None:
        self._count(tx, "opportunities", e.customer_id, -1)

    @staticmethod
    def _count(tx: Transaction, what: str, customer_id: Any, delta: int) -> None:
        tx.execute(f"UPDATE view_customers SET open_{what} = open_{what} + ? WHERE id = ?",  # noqa: S608
                   (delta, str(customer_id)))

    @handles(Purchase.Recorded)
    def purchase_recorded(self, tx: Transaction, e: Any) -> None:
        self._revenue(tx, e.customer_id, e.currency, cents(e.total))
        tx.execute("UPDATE view_customers SET last_purchase_at = ? WHERE id = ?"
                   " AND (last_purchase_at IS NULL OR last_purchase_at < ?)",
                   (iso(e.occurred_at), str(e.customer_id), iso(e.occurred_at)))
        tx.execute("INSERT INTO view_purchase_currency (purchase_id, currency) VALUES (?, ?)",
                   (str(e.originator_id), e.currency))

    @handles(Purchase.Refunded)
    def purchase_refunded(self, tx: Transaction, e: Any) -> None:
        (row,) = tx.query("SELECT currency FROM view_purchase_currency WHERE purchase_id = ?",
                          (str(e.originator_id),))
        self._revenue(tx, e.customer_id, row["currency"], -cents(e.amount))

    @staticmethod
    def _revenue(tx: Transaction, customer_id: Any, currency: str, delta: int) -> None:
        tx.execute("INSERT INTO view_customer_revenue (customer_id, currency, revenue_cents)"
                   " VALUES (?, ?, ?) ON CONFLICT (customer_id, currency)"
                   " DO UPDATE SET revenue_cents = view_customer_revenue.revenue_cents"
                   " + excluded.revenue_cents", (str(customer_id), currency, delta))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)

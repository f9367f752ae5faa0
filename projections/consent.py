"""The consent view: the grants customers gave, to find who a campaign may message.

It lists candidates only: the campaign audience query takes customers from here and
confirms each from the Consent aggregate (`privacy.audiences`), so a withdrawal or an
erasure that this view has not applied yet still keeps the customer out.

Table `view_consent_grants`: one row per grant and data category it names (ids as text,
times as ISO-8601 UTC text; `customer_id` is the data subject's: a customer's or a
lead's), with when it was given, when it expires and when it was withdrawn. An erased
customer's rows are dropped, and those of the lead they were converted from: nobody may
message them any more.

The consent events are matched by their topics, not their classes: `projections` does not
import `privacy` (dependencies point `api -> projections, privacy -> domain`), and the
topic a stored event was saved under never changes (a stored event class is never renamed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from eventsourcing.utils import get_topic

from domain.customers import Customer
from projections.customers import iso
from projections.database import Transaction, ViewDatabase
from projections.pages import Page, decode_cursor, encode_cursor, page_size
from projections.view import TopicView

GRANTED = "privacy.consent:Consent.Granted"
WITHDRAWN = "privacy.consent:Consent.Withdrawn"
#: The cursor's list name.
AUDIENCE = "campaignAudience"


def _granted(tx: Transaction, e: Any) -> None:
    tx.executemany(
        "INSERT INTO view_consent_grants (grant_id, category, customer_id, recipient,"
        " partner_id, partner_category, purpose, given_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(str(e.grant_id), category, str(e.customer_id), e.recipient,
          None if e.partner_id is None else str(e.partner_id), e.partner_category, e.purpose,
          iso(e.occurred_at), None if e.expires_at is None else iso(e.expires_at))
         for category in e.categories])


def _withdrawn(tx: Transaction, e: Any) -> None:
    tx.execute("UPDATE view_consent_grants SET withdrawn_at = ? WHERE grant_id = ?",
               (iso(e.occurred_at), str(e.grant_id)))


def _erased(tx: Transaction, e: Any) -> None:
    """The customer's grants, and those of the lead they were converted from."""
    tx.executemany("DELETE FROM view_consent_grants WHERE customer_id = ?",
                   [(str(subject),) for subject in {e.originator_id, *e.erased_subjects}])


_HANDLERS: dict[str, Callable[[Transaction, Any], None]] = {
    GRANTED: _granted, WITHDRAWN: _withdrawn, get_topic(Customer.Erased): _erased}


class ConsentView(TopicView):
    name = "consent"
    topic_handlers = _HANDLERS
    tables = ("view_consent_grants",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS view_consent_grants ("
        " grant_id TEXT NOT NULL, category TEXT NOT NULL, customer_id TEXT NOT NULL,"
        " recipient TEXT NOT NULL, partner_id TEXT, partner_category TEXT, purpose TEXT NOT NULL,"
        " given_at TEXT NOT NULL, expires_at TEXT, withdrawn_at TEXT,"
        " PRIMARY KEY (grant_id, category))",
        "CREATE INDEX IF NOT EXISTS view_consent_grants_customer"
        " ON view_consent_grants (customer_id)",
    )


def consenting_customers(
    db: ViewDatabase,
    *,
    recipient: str,
    purposes: Sequence[str],
    categories: Sequence[str],
    at: datetime,
    first: int,
    after: str | None = None,
) -> Page[str]:
    """The ids of the customers, in order, with a grant to `recipient` that names one of
    `purposes` and one of `categories` and was live at `at`: given by then, and neither
    withdrawn nor expired. As far as this view knows: candidates, to confirm from the log."""
    limit = page_size(first)
    moment = iso(at)
    purpose_marks, category_marks = ", ".join("?" * len(purposes)), ", ".join("?" * len(categories))
    where = ["recipient = ?", f"purpose IN ({purpose_marks})", f"category IN ({category_marks})",
             "given_at <= ?", "(withdrawn_at IS NULL OR withdrawn_at > ?)",
             "(expires_at IS NULL OR expires_at > ?)"]
    params: list[Any] = [recipient, *purposes, *categories, moment, moment, moment]
    key = decode_cursor(after, AUDIENCE, 1)
    if key is not None:
        where.append("customer_id > ?")
        params.append(key[0])
    rows = db.query("SELECT DISTINCT customer_id FROM view_consent_grants"  # noqa: S608
                    f" WHERE {' AND '.join(where)} ORDER BY customer_id LIMIT ?",
                    (*params, limit + 1))
    ids = [row["customer_id"] for row in rows[:limit]]
    return Page(items=[(encode_cursor(AUDIENCE, [customer]), customer) for customer in ids],
                has_next_page=len(rows) > limit)

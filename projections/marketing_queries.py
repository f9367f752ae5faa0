"""Reading the marketing view: campaign reports (one, many, a page) and channel reports.

Definitions (every count is of distinct customers unless it says otherwise):

- `audience`: customers the campaign sent its message to; `sent`: messages sent. The
  domain sends at most one message per (campaign, customer), so the two are equal.
- `delivered`, `opened`, `clicked`, `converted`, `unsubscribed`: customers with at least
  one such response. They are independent counts, not a funnel: a customer may convert
  without a tracked click, a delivery receipt may never come. `opens` and `clicks`
  count every open and click recorded (both may repeat).
- `conversion_value`: the sum of the `value` recorded with conversions, in the
  campaign's currency (0 when none was given).
- `cost_per_conversion`: budget / converted, rounded half-up to the cent; None when
  nobody converted. The budget is the planned one, whatever the campaign's status.
- Attributed revenue: every purchase a converted customer made at or after the business
  time of their conversion and strictly before that time plus `attribution_days` days,
  net of all refunds given on it (whenever they were given), summed per purchase
  currency; `attributed_purchases` counts those purchases. A purchase within the window
  of conversions in two campaigns counts for both. The `campaign_id` a purchase may
  carry plays no part here: this is attribution by conversion, computed at query time
  from the stored facts, so it is exact in whatever order the log delivered them.
- A channel report sums the reports of the channel's campaigns whose period (start and
  end dates, inclusive) overlaps the half-open period [since, until): a customer reached
  by two campaigns counts in both. Money is summed per currency; the cost per
  conversion of a currency is the budgets in that currency over the conversions of the
  campaigns budgeted in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.errors import InvalidValueError
from domain.marketing import CampaignResponse, CampaignStatus
from domain.values import Channel
from projections.database import Transaction, ViewDatabase
from projections.pages import Page, decode_cursor, encode_cursor, page_size

DEFAULT_ATTRIBUTION_DAYS = 30
MAX_ATTRIBUTION_DAYS = 366
CENT = Decimal("0.01")

Money = tuple[Decimal, str]  # (amount, currency)


@dataclass(frozen=True)
class ResponseCounts:
    audience: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    converted: int
    unsubscribed: int
    opens: int
    clicks: int
    attributed_purchases: int


@dataclass(frozen=True)
class CampaignReport(ResponseCounts):
    id: str
    name: str
    channel: str
    status: str
    starts_on: date
    ends_on: date
    currency: str
    budget: Decimal
    cost_per_conversion: Decimal | None
    conversion_value: Decimal
    attributed_revenue: list[Money]


@dataclass(frozen=True)
class ChannelReport(ResponseCounts):
    channel: str
    campaigns: int
    budget: list[Money]
    cost_per_conversion: list[Money]
    conversion_value: list[Money]
    attributed_revenue: list[Money]


COUNTS = [f.name for f in fields(ResponseCounts)]


def campaign_reports(
    db: ViewDatabase, *, ids: Sequence[str], attribution_days: int = DEFAULT_ATTRIBUTION_DAYS
) -> dict[str, CampaignReport]:
    """Reports of these campaigns (unknown ids are left out), in four queries in all."""
    window = _window(attribution_days)
    if not ids:
        return {}
    where = f"c.id IN ({', '.join('?' * len(ids))})"
    with db.transaction(write=False) as tx:
        rows = tx.query(f"SELECT * FROM view_marketing_campaigns c WHERE {where}", ids)  # noqa: S608
        return {report.id: report for report in _reports(tx, rows, where, ids, window)}


def list_campaigns(
    db: ViewDatabase,
    *,
    status: str | None = None,
    channel: str | None = None,
    first: int = 20,
    after: str | None = None,
    attribution_days: int = DEFAULT_ATTRIBUTION_DAYS,
) -> Page[CampaignReport]:
    """Campaigns with their reports, latest start first (then by id, descending)."""
    limit = page_size(first)
    window = _window(attribution_days)
    where, params = _filters(statuses=[status] if status is not None else None, channel=channel)
    key = _campaign_key(decode_cursor(after, "campaigns", 2))
    if key is not None:
        where.append("(c.starts_on < ? OR (c.starts_on = ? AND c.id < ?))")
        params += [key[0], key[0], key[1]]
    sql = "SELECT * FROM view_marketing_campaigns c"
    if where:
        sql += " WHERE " + " AND ".join(where)
    with db.transaction(write=False) as tx:
        rows = tx.query(sql + " ORDER BY c.starts_on DESC, c.id DESC LIMIT ?", (*params, limit + 1))
        page = rows[:limit]
        ids = [row["id"] for row in page]
        reports = _reports(tx, page, f"c.id IN ({', '.join('?' * len(ids))})", ids, window)
    return Page(items=[(encode_cursor("campaigns", [r.starts_on.isoformat(), r.id]), r) for r in reports],
                has_next_page=len(rows) > limit)


def channel_reports(
    db: ViewDatabase,
    *,
    since: date,
    until: date,
    statuses: Sequence[str] | None = None,
    attribution_days: int = DEFAULT_ATTRIBUTION_DAYS,
) -> list[ChannelReport]:
    """Per channel, the campaigns overlapping [since, until) summed; by channel name."""
    if until <= since:
        raise InvalidValueError("until", "must be after since")
    window = _window(attribution_days)
    where, params = _filters(statuses=statuses, channel=None, field="statuses")
    where += ["c.starts_on < ?", "c.ends_on >= ?"]
    params += [until.isoformat(), since.isoformat()]
    condition = " AND ".join(where)
    with db.transaction(write=False) as tx:
        rows = tx.query(f"SELECT * FROM view_marketing_campaigns c WHERE {condition}"  # noqa: S608
                        " ORDER BY c.channel, c.id", params)
        reports = _reports(tx, rows, condition, params, window)
    by_channel: dict[str, list[CampaignReport]] = {}
    for report in reports:
        by_channel.setdefault(report.channel, []).append(report)
    return [_channel_report(channel, members) for channel, members in by_channel.items()]


# -- building reports ---------------------------------------------------------------------

# Each selects the metrics of the campaigns that `{where}` picks out of the campaigns
# table (alias `c`).
MESSAGES_SQL = (
    "SELECT m.campaign_id, COUNT(*) AS sent, COUNT(DISTINCT m.customer_id) AS audience"
    " FROM view_marketing_messages m JOIN view_marketing_campaigns c ON c.id = m.campaign_id"
    " WHERE {where} GROUP BY m.campaign_id")
# One row per (campaign, response, customer): COUNT(*) counts distinct customers.
RESPONSES_SQL = (
    "SELECT r.campaign_id, r.response, COUNT(*) AS customers, SUM(r.times) AS times,"
    " SUM(r.value_cents) AS value_cents FROM view_marketing_responses r"
    " JOIN view_marketing_campaigns c ON c.id = r.campaign_id"
    " WHERE {where} GROUP BY r.campaign_id, r.response")
# Parameters: the window in microseconds, the converted response, then `{where}`'s.
REVENUE_SQL = (
    "SELECT r.campaign_id, p.currency, COUNT(*) AS purchases,"
    " SUM(p.total_cents - p.refunded_cents) AS net_cents FROM view_marketing_responses r"
    " JOIN view_marketing_campaigns c ON c.id = r.campaign_id"
    " JOIN view_marketing_purchases p ON p.customer_id = r.customer_id"
    " AND p.occurred_us >= r.first_us AND p.occurred_us < r.first_us + ?"
    " WHERE r.response = ? AND {where} GROUP BY r.campaign_id, p.currency ORDER BY p.currency")


def _window(attribution_days: int) -> int:
    """The attribution window in microseconds (the unit of the view's business times)."""
    if not 1 <= attribution_days <= MAX_ATTRIBUTION_DAYS:
        raise InvalidValueError("attributionDays", f"must be between 1 and {MAX_ATTRIBUTION_DAYS}")
    return timedelta(days=attribution_days) // timedelta(microseconds=1)


def _campaign_key(key: list[Any] | None) -> list[Any] | None:
    """The key of a cursor of this list: a cursor of another list, or a forged one
    (whose values PostgreSQL would refuse to compare with text), is bad input."""
    if key is None:
        return None
    try:
        starts_on = date.fromisoformat(key[0])
    except (TypeError, ValueError):
        starts_on = None
    if starts_on is None or starts_on.isoformat() != key[0] or not isinstance(key[1], str):
        raise InvalidValueError("after", "is not a cursor of this list")
    return key


def _filters(*, statuses: Sequence[str] | None, channel: str | None,
             field: str = "status") -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if statuses is not None:
        values = [CampaignStatus.parse(s, field).value for s in statuses]
        where.append(f"c.status IN ({', '.join('?' * len(values))})" if values else "1 = 0")
        params += values
    if channel is not None:
        where.append("c.channel = ?")
        params.append(Channel.parse(channel, "channel").value)
    return where, params


def _reports(tx: Transaction, campaigns: list[dict[str, Any]], where: str,
             params: Sequence[Any], window: int) -> list[CampaignReport]:
    """Reports for `campaigns` (rows of the campaigns table, in the order wanted), whose
    metrics are selected by `where` on the campaigns table (alias `c`) with `params`."""
    if not campaigns:
        return []
    counts: dict[str, dict[str, int]] = {row["id"]: dict.fromkeys(COUNTS, 0) for row in campaigns}
    values: dict[str, int] = dict.fromkeys(counts, 0)
    revenue: dict[str, list[Money]] = {campaign: [] for campaign in counts}
    for row in tx.query(MESSAGES_SQL.format(where=where), params):
        counts[row["campaign_id"]] |= {"sent": int(row["sent"]), "audience": int(row["audience"])}
    for row in tx.query(RESPONSES_SQL.format(where=where), params):
        tally = counts[row["campaign_id"]]
        tally[row["response"]] = int(row["customers"])
        if row["response"] == CampaignResponse.OPENED:
            tally["opens"] = int(row["times"])
        elif row["response"] == CampaignResponse.CLICKED:
            tally["clicks"] = int(row["times"])
        elif row["response"] == CampaignResponse.CONVERTED:
            values[row["campaign_id"]] = int(row["value_cents"] or 0)
    for row in tx.query(REVENUE_SQL.format(where=where),
                        (window, CampaignResponse.CONVERTED.value, *params)):
        counts[row["campaign_id"]]["attributed_purchases"] += int(row["purchases"])
        revenue[row["campaign_id"]].append((_money(row["net_cents"]), row["currency"]))
    return [CampaignReport(
        id=row["id"], name=row["name"], channel=row["channel"], status=row["status"],
        starts_on=date.fromisoformat(row["starts_on"]), ends_on=date.fromisoformat(row["ends_on"]),
        currency=row["currency"], budget=_money(row["budget_cents"]),
        cost_per_conversion=(_per_conversion(_money(row["budget_cents"]), converted)
                             if (converted := counts[row["id"]]["converted"]) else None),
        conversion_value=_money(values[row["id"]]), attributed_revenue=revenue[row["id"]],
        **counts[row["id"]],
    ) for row in campaigns]


def _channel_report(channel: str, reports: list[CampaignReport]) -> ChannelReport:
    budget: dict[str, Decimal] = {}
    converted: dict[str, int] = {}
    value: dict[str, Decimal] = {}
    revenue: dict[str, Decimal] = {}
    for report in reports:
        budget[report.currency] = budget.get(report.currency, Decimal(0)) + report.budget
        converted[report.currency] = converted.get(report.currency, 0) + report.converted
        value[report.currency] = value.get(report.currency, Decimal(0)) + report.conversion_value
        for amount, currency in report.attributed_revenue:
            revenue[currency] = revenue.get(currency, Decimal(0)) + amount
    return ChannelReport(
        channel=channel, campaigns=len(reports),
        budget=_amounts(budget), conversion_value=_amounts(value), attributed_revenue=_amounts(revenue),
        cost_per_conversion=[(_per_conversion(budget[currency], n), currency)
                             for currency, n in sorted(converted.items()) if n],
        **{name: sum(getattr(report, name) for report in reports) for name in COUNTS},
    )


def _money(amount_cents: Any) -> Decimal:
    return (Decimal(int(amount_cents)) / 100).quantize(CENT)


def _per_conversion(budget: Decimal, converted: int) -> Decimal:
    return (budget / converted).quantize(CENT, rounding=ROUND_HALF_UP)


def _amounts(totals: dict[str, Decimal]) -> list[Money]:
    return [(amount.quantize(CENT), currency) for currency, amount in sorted(totals.items())]

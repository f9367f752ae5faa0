"""Reading the sales view: pipeline, forecast, win rate, sales metrics, lead conversion.

Definitions (all times are business times, UTC; a period is `[start, end)`; money is
summed per currency, never converted; an owner is a user id, None for nobody):

- **Pipeline**: the open opportunities (prospecting to negotiation) as they stand now,
  per stage and currency: how many, their amount, and their *weighted amount*, the sum
  of amount x the win probability of their stage (recorded with the stage), rounded
  half-up to the cent once, after summing.
- **Forecast**: the same open opportunities per month of their expected close date
  (`YYYY-MM`) and currency. An overdue opportunity stays in the month it was expected.
- **Win rate**: of the opportunities closed in the period, won / (won + lost); None when
  none closed. **Average sales cycle**: the mean time from opening to closing, in days,
  of the opportunities *won* in the period; None when none was won.
- **Sales metrics** of a period: *prospects*, distinct customers registered as, or moved
  to, the prospect stage in it; *sales calls*, interactions of the sales department on
  the phone, the call centre or in person (`direct`), outbound, that happened in it (as
  corrected); *proposals*, quotes issued in it; *retained customers*, distinct customers
  with a purchase in it who had a purchase before its start; *recurring revenue*, what
  the retained customers' purchases in the period came to, net of everything refunded
  on those purchases (whenever refunded). A **series** of them has a period per day,
  week or month of a time zone (see projections/periods.py), all counted in one query.
- **Owners**: an opportunity's owner; a quote's is its opportunity's; a sales call's is
  who handled it, or who recorded it when nobody is named; a prospect's, a retained
  customer's and their revenue's is the customer's owner. Owners are the *current*
  ones: reassigning a customer or an opportunity moves its history with it, and filtering
  by owner counts a figure for nobody else.
- **Lead conversion**, per source, of the leads *captured* in the period (a cohort,
  whatever happened to them since): *qualified*, those ever qualified (including those
  converted and those disqualified after qualifying); *disqualified* and *converted*,
  those now so; *conversion rate*, converted / captured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from domain.errors import InvalidValueError
from domain.sales import OPEN_STAGES
from domain.values import Channel, Department, Direction
from projections.database import ViewDatabase
from projections.pages import Page, decode_cursor, encode_cursor, page_size
from projections.periods import Interval, Period, period, periods_table, series
from projections.sales import BASIS_POINTS

CENT = Decimal("0.01")
MICROSECONDS_PER_DAY = 86_400_000_000
SALES_CALL_CHANNELS = (Channel.PHONE.value, Channel.CALL_CENTRE.value, Channel.DIRECT.value)
_OPEN = tuple(stage.value for stage in OPEN_STAGES)
_OPEN_MARKS = ", ".join("?" * len(_OPEN))

Money = tuple[Decimal, str]  # (amount, currency)


@dataclass(frozen=True)
class StageTotal:
    stage: str
    currency: str
    count: int
    amount: Decimal
    weighted_amount: Decimal


@dataclass(frozen=True)
class ForecastMonth:
    month: str  # YYYY-MM
    currency: str
    count: int
    amount: Decimal
    weighted_amount: Decimal


@dataclass(frozen=True)
class WinRate:
    start: str
    end: str
    won: int
    lost: int
    win_rate: float | None
    average_sales_cycle_days: float | None


@dataclass(frozen=True)
class SalesMetrics:
    start: str
    end: str
    prospects: int
    sales_calls: int
    proposals: int
    retained_customers: int
    recurring_revenue: list[Money]


@dataclass(frozen=True)
class OwnerSalesMetrics(SalesMetrics):
    owner: str | None


@dataclass(frozen=True)
class LeadSourceConversion:
    source: str
    captured: int
    qualified: int
    disqualified: int
    converted: int
    conversion_rate: float


# -- the pipeline as it stands ------------------------------------------------------------


def pipeline(db: ViewDatabase, *, owner: str | None = None) -> list[StageTotal]:
    """Open opportunities per stage (in pipeline order) and currency."""
    where, params = _owner_filter(owner)
    rows = db.query(
        "SELECT stage, currency, COUNT(*) AS n, SUM(amount_cents) AS amount,"  # noqa: S608
        " SUM(amount_cents * probability_bp) AS weighted FROM view_sales_opportunities"
        f" WHERE stage IN ({_OPEN_MARKS}){where} GROUP BY stage, currency",
        (*_OPEN, *params))
    rows.sort(key=lambda row: (_OPEN.index(row["stage"]), row["currency"]))
    return [StageTotal(stage=row["stage"], currency=row["currency"], count=int(row["n"]),
                       amount=_money(row["amount"]), weighted_amount=_weighted(row["weighted"]))
            for row in rows]


def forecast(
    db: ViewDatabase,
    *,
    start: date | None = None,
    end: date | None = None,
    owner: str | None = None,
    first: int = 24,
    after: str | None = None,
) -> Page[ForecastMonth]:
    """Open opportunities per expected close month and currency, expected in `[start, end)`."""
    limit = page_size(first)
    where, params = _owner_filter(owner)
    for condition, day in (("expected_close_date >= ?", start), ("expected_close_date < ?", end)):
        if day is not None:
            where += f" AND {condition}"
            params.append(day.isoformat())
    key = decode_cursor(after, "forecast", 2)
    if key is not None:
        where += " AND (substr(expected_close_date, 1, 7) > ? OR" \
                 " (substr(expected_close_date, 1, 7) = ? AND currency > ?))"
        params += [key[0], key[0], key[1]]
    rows = db.query(
        "SELECT substr(expected_close_date, 1, 7) AS month, currency, COUNT(*) AS n,"  # noqa: S608
        " SUM(amount_cents) AS amount, SUM(amount_cents * probability_bp) AS weighted"
        f" FROM view_sales_opportunities WHERE stage IN ({_OPEN_MARKS}){where}"
        " GROUP BY substr(expected_close_date, 1, 7), currency ORDER BY month, currency LIMIT ?",
        (*_OPEN, *params, limit + 1))
    months = [ForecastMonth(month=row["month"], currency=row["currency"], count=int(row["n"]),
                            amount=_money(row["amount"]), weighted_amount=_weighted(row["weighted"]))
              for row in rows[:limit]]
    return Page(items=[(encode_cursor("forecast", [m.month, m.currency]), m) for m in months],
                has_next_page=len(rows) > limit)


# -- closed deals ----------------------------------------------------------------------------


def win_rate(db: ViewDatabase, *, start: datetime, end: datetime,
             owner: str | None = None) -> WinRate:
    """Won against lost, and how long the won deals took, of those closed in the period."""
    since, until = period(start, end)
    where, params = _owner_filter(owner)
    rows = {row["stage"]: row for row in db.query(
        "SELECT stage, COUNT(*) AS n, SUM(cycle_us) AS cycle FROM view_sales_opportunities"  # noqa: S608
        f" WHERE closed_at >= ? AND closed_at < ?{where} GROUP BY stage",
        (since, until, *params))}
    won = int(rows["won"]["n"]) if "won" in rows else 0
    lost = int(rows["lost"]["n"]) if "lost" in rows else 0
    cycle = (float(Decimal(rows["won"]["cycle"]) / won / MICROSECONDS_PER_DAY)
             if won else None)
    return WinRate(start=since, end=until, won=won, lost=lost,
                   win_rate=won / (won + lost) if won + lost else None,
                   average_sales_cycle_days=cycle)


# -- the sales metrics of a period -------------------------------------------------------------


def sales_metrics(db: ViewDatabase, *, start: datetime, end: datetime,
                  owner: str | None = None) -> SalesMetrics:
    """The period's sales metrics, of everyone or of one owner."""
    (metrics,) = _sales_metrics(db, [period(start, end)], owner=owner)
    return metrics


def sales_metrics_series(db: ViewDatabase, *, start: datetime, end: datetime,
                         interval: Interval, time_zone: str | None = "UTC",
                         owner: str | None = None) -> list[SalesMetrics]:
    """The sales metrics of each bucket of `[start, end)`, in time order."""
    return _sales_metrics(db, series(start, end, interval, time_zone), owner=owner)


def _sales_metrics(db: ViewDatabase, periods: list[Period], *,
                   owner: str | None) -> list[SalesMetrics]:
    found = _metrics(db, periods, owner=owner, by_owner=False, after=None)
    return [SalesMetrics(start=since, end=until, **found[since][""]) for since, until in periods]


def sales_metrics_by_owner(
    db: ViewDatabase,
    *,
    start: datetime,
    end: datetime,
    first: int = 50,
    after: str | None = None,
) -> Page[OwnerSalesMetrics]:
    """The period's sales metrics per owner with any of them (nobody's first, then by id)."""
    limit = page_size(first)
    since, until = period(start, end)
    key = decode_cursor(after, "sales_owners", 1)
    found = _metrics(db, [(since, until)], owner=None, by_owner=True,
                     after=None if key is None else str(key[0]))[since]
    owners = sorted(found)[:limit + 1]
    items = [(encode_cursor("sales_owners", [name]), OwnerSalesMetrics(
        start=since, end=until, owner=name or None, **found[name])) for name in owners[:limit]]
    return Page(items=items, has_next_page=len(owners) > limit)


class _Metric(NamedTuple):
    """One branch of the metrics query: what it counts, from where, for whom."""

    name: str
    tables: str  # the facts as `f`, joined with what names their owner
    owner_key: str  # the owner's id, '' for nobody
    value: str
    condition: str = ""
    condition_params: tuple[str, ...] = ()
    per_currency: bool = False


_CUSTOMER_OWNER = "COALESCE(c.owner, '')"
_PURCHASES = "view_sales_purchases f JOIN view_sales_customers c ON c.customer_id = f.customer_id"
_BOUGHT_BEFORE = " AND c.first_purchase_at < p.since"
_METRICS = (
    _Metric("prospects", "view_sales_prospects f LEFT JOIN view_sales_customers c"
            " ON c.customer_id = f.customer_id", _CUSTOMER_OWNER, "COUNT(DISTINCT f.customer_id)"),
    _Metric("sales_calls", "view_sales_interactions f",
            "COALESCE(NULLIF(f.handled_by, ''), f.recorded_by)", "COUNT(*)",
            " AND f.department = ? AND f.direction = ?"
            f" AND f.channel IN ({', '.join('?' * len(SALES_CALL_CHANNELS))})",
            (Department.SALES.value, Direction.OUTBOUND.value, *SALES_CALL_CHANNELS)),
    _Metric("proposals", "view_sales_quotes f LEFT JOIN view_sales_opportunities o"
            " ON o.opportunity_id = f.opportunity_id", "COALESCE(o.owner, '')", "COUNT(*)"),
    _Metric("retained_customers", _PURCHASES, _CUSTOMER_OWNER, "COUNT(DISTINCT f.customer_id)",
            _BOUGHT_BEFORE),
    _Metric("recurring_revenue", _PURCHASES, _CUSTOMER_OWNER,
            "SUM(f.total_cents - f.refunded_cents)", _BOUGHT_BEFORE, per_currency=True),
)


def _metrics(db: ViewDatabase, periods: list[Period], *, owner: str | None, by_owner: bool,
             after: str | None) -> dict[str, dict[str, dict[str, Any]]]:
    """The metrics per period (by its start) and owner key ('' for nobody), or for
    everyone under the key ''.

    One query however many periods, a branch per metric joining its facts with the
    periods; the revenue's branch has a row per currency."""
    periods_clause, params = periods_table(periods)
    branches: list[str] = []
    for metric in _METRICS:
        selected_owner = metric.owner_key if by_owner else "''"
        currency = "f.currency" if metric.per_currency else "NULL"
        sql = (f"SELECT p.since AS since, {selected_owner} AS owner_key,"  # noqa: S608
               f" '{metric.name}' AS metric, {currency} AS currency, {metric.value} AS value"
               f" FROM periods p, {metric.tables}"
               f" WHERE f.occurred_at >= p.since AND f.occurred_at < p.until{metric.condition}")
        params += metric.condition_params
        for operator, value in (("=", owner), (">", after)):
            if value is not None:
                sql += f" AND {metric.owner_key} {operator} ?"
                params.append(value)
        groups = ["p.since", *([metric.owner_key] if by_owner else [])]
        if metric.per_currency:
            groups.append(currency)
        branches.append(sql + " GROUP BY " + ", ".join(groups))
    found: dict[str, dict[str, dict[str, Any]]] = {
        since: {} if by_owner else {"": _no_metrics()} for since, _ in periods}
    for row in db.query(periods_clause + " UNION ALL ".join(branches), params):
        metrics = found[row["since"]].setdefault(row["owner_key"], _no_metrics())
        if row["metric"] == "recurring_revenue":
            metrics["recurring_revenue"].append((_money(row["value"]), row["currency"]))
        else:
            metrics[row["metric"]] += int(row["value"])
    for owners in found.values():
        for metrics in owners.values():
            metrics["recurring_revenue"].sort(key=lambda money: money[1])
    return found


def _no_metrics() -> dict[str, Any]:
    return {"prospects": 0, "sales_calls": 0, "proposals": 0, "retained_customers": 0,
            "recurring_revenue": []}


# -- leads -------------------------------------------------------------------------------------


def lead_conversion(db: ViewDatabase, *, start: datetime | None = None,
                    end: datetime | None = None,
                    owner: str | None = None) -> list[LeadSourceConversion]:
    """Per source (alphabetical), what became of the leads captured in `[start, end)`
    (all leads when no period is given)."""
    where, params = _owner_filter(owner)
    if start is not None or end is not None:
        if start is None or end is None:
            raise InvalidValueError("end" if end is None else "start",
                                    "give both ends of the period, or neither")
        where += " AND captured_at >= ? AND captured_at < ?"
        params += list(period(start, end))
    rows = db.query(
        "SELECT source, COUNT(*) AS captured, SUM(qualified) AS qualified,"  # noqa: S608
        " SUM(CASE WHEN status = 'disqualified' THEN 1 ELSE 0 END) AS disqualified,"
        " SUM(CASE WHEN status = 'converted' THEN 1 ELSE 0 END) AS converted"
        f" FROM view_sales_leads WHERE 1 = 1{where} GROUP BY source ORDER BY source",
        params)
    return [LeadSourceConversion(
        source=row["source"], captured=int(row["captured"]), qualified=int(row["qualified"]),
        disqualified=int(row["disqualified"]), converted=int(row["converted"]),
        conversion_rate=int(row["converted"]) / int(row["captured"]),
    ) for row in rows]


# -- helpers -----------------------------------------------------------------------------------


def _owner_filter(owner: str | None) -> tuple[str, list[Any]]:
    return ("", []) if owner is None else (" AND owner = ?", [owner])


def _money(total_cents: Any) -> Decimal:
    return (Decimal(int(total_cents)) / 100).quantize(CENT)


def _weighted(total: Any) -> Decimal:
    """A sum of cents x basis points, in currency units rounded half-up to the cent."""
    return (Decimal(int(total)) / (100 * BASIS_POINTS)).quantize(CENT, ROUND_HALF_UP)

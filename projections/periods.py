"""Periods, and the calendar buckets a series cuts them into, in one place for every view.

A period is `[start, end)` between two date-times with a time zone; the views compare it
as ISO-8601 UTC text. A series cuts a period into days, ISO weeks (Monday first) or
calendar months of a time zone the caller picks: each bucket begins at a local midnight
converted to UTC, so a day in Europe/Berlin lasts 23 or 25 hours when the clocks change.
The first and the last bucket are clipped to the period, so either may be partial.

A query counts every bucket in one statement by joining its facts against
`periods_table(...)`, and a single period is simply a series of one: the numbers of a
bucket are, by construction, those of the same period asked for alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidValueError
from projections.customers import iso

MAX_BUCKETS = 400

Period = tuple[str, str]  # [since, until), ISO-8601 UTC text


class Interval(Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def period(start: datetime, end: datetime) -> Period:
    """The period as the views compare it; a naive or an empty one is bad input."""
    for field, moment in (("start", start), ("end", end)):
        if not isinstance(moment, datetime) or moment.tzinfo is None:
            raise InvalidValueError(field, "must be a date-time with a time zone (UTC ISO-8601)")
    since, until = iso(start), iso(end)
    if since >= until:
        raise InvalidValueError("end", "must be after start")
    return since, until


def series(start: datetime, end: datetime, interval: Interval,
           time_zone: str | None) -> list[Period]:
    """The buckets of `[start, end)` in the named time zone (None: UTC), as the views
    compare them."""
    period(start, end)  # naive or empty bounds are named before the time zone
    return [(iso(since), iso(until))
            for since, until in buckets(start, end, interval, zone(time_zone))]


def zone(name: str | None) -> ZoneInfo:
    """The IANA time zone of this name; None is UTC."""
    try:
        return ZoneInfo("UTC" if name is None else name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, malformed, a folder
        raise InvalidValueError("timeZone", "is not an IANA time zone (e.g. Europe/Berlin)") from None


def buckets(start: datetime, end: datetime, interval: Interval,
            tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The buckets covering `[start, end)`, clipped to it, in time order. More than
    MAX_BUCKETS is bad input, found before computing any further."""
    edges = [start]
    for edge in _local_midnights(start, interval, tz):
        if edge >= end:
            break
        if edge > edges[-1]:  # increasing, even past an ambiguous local midnight
            edges.append(edge)
        if len(edges) > MAX_BUCKETS:
            raise InvalidValueError(
                "interval", f"makes more than {MAX_BUCKETS} buckets of [start, end): choose a "
                            "longer interval or a shorter period")
    edges.append(end)
    return list(pairwise(edges))


def _local_midnights(start: datetime, interval: Interval, tz: ZoneInfo) -> Iterator[datetime]:
    """The beginnings, in UTC, of the buckets after the one that holds `start`."""
    day = _first_day(start.astimezone(tz).date(), interval)
    try:
        while True:
            day = _following(day, interval)
            yield datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
    except (OverflowError, ValueError):  # the calendar ends with the year 9999
        return


def _first_day(day: date, interval: Interval) -> date:
    """The first day of the bucket holding `day`."""
    if interval is Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval is Interval.MONTH:
        return day.replace(day=1)
    return day


def _following(first_day: date, interval: Interval) -> date:
    """The first day of the bucket after the one beginning on `first_day`."""
    if interval is Interval.WEEK:
        return first_day + timedelta(days=7)
    if interval is Interval.MONTH:
        return (first_day + timedelta(days=31)).replace(day=1)  # the 1st + 31 days: next month
    return first_day + timedelta(days=1)


def periods_table(periods: Sequence[Period]) -> tuple[str, list[str]]:
    """A `WITH` clause naming the periods as a table `periods (since, until)` to join facts
    against, so that one statement counts every period; and its parameters."""
    rows = ", ".join(["(?, ?)"] * len(periods))
    return (f"WITH periods (since, until) AS (VALUES {rows}) ",
            [bound for since_until in periods for bound in since_until])

"""Working-day calendars: mainland China (DEP-REFUND-DUE).

The official schedule of public holidays and adjusted working weekends (调休) comes from the
maintained `chinesecalendar` package (import name `chinese_calendar`); nothing is hand-written
here. The package knows the years of its data only (1.11.0: 2004-2026); a date outside them is an
input the toolkit cannot answer, so it fails with an InputError instead of guessing.

`cn_workday_frame(start, end)` gives one row per date with `is_workday`; queries count working
days with window functions over it (see queries/douyin/deposit.sql).
"""
from __future__ import annotations

import datetime as dt

import chinese_calendar
import polars as pl
from chinese_calendar.constants import holidays as _HOLIDAYS

from .errors import InputError

CALENDAR_LIBRARY = f"chinesecalendar {getattr(chinese_calendar, '__version__', '?')}"


def cn_known_range() -> tuple[dt.date, dt.date]:
    """First and last date whose working-day status the installed library knows."""
    return dt.date(min(_HOLIDAYS).year, 1, 1), dt.date(max(_HOLIDAYS).year, 12, 31)


def cn_range_text() -> str:
    first, last = cn_known_range()
    return f"{CALENDAR_LIBRARY} knows the official schedule for {first.year}-{last.year} only"


def check_cn_range(day: dt.date, what: str) -> None:
    """Raise InputError naming `what` when `day` is outside the library's known years."""
    first, last = cn_known_range()
    if not first <= day <= last:
        raise InputError(f"{what}: date {day} is outside the mainland-China working-day calendar "
                         f"({cn_range_text()}); update chinesecalendar or correct the date")


def cn_workday_frame(start: dt.date, end: dt.date | None = None) -> pl.DataFrame:
    """Every date from `start` to `end` (default: the library's last known day) with `is_workday`
    (public holidays off, adjusted working weekends on)."""
    end = end or cn_known_range()[1]
    check_cn_range(start, "calendar start")
    check_cn_range(end, "calendar end")
    workdays = chinese_calendar.get_workdays(start, end, include_weekends=True)
    dates = pl.date_range(start, end, "1d", eager=True).alias("date")
    workday_set = pl.Series("workday", workdays, dtype=pl.Date).implode()
    return pl.DataFrame({"date": dates}).with_columns(is_workday=pl.col("date").is_in(workday_set))

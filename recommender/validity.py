"""The date a recommendation is made as of, and how knowledge writes days.

Products, prices and offers may carry a ``validFor`` period (TMF620's TimePeriod,
see :class:`recommender.knowledge.schema.ValidFor`); a recommendation is made *as
of* one day, and only what is in force that day is sold, priced or applied.

The day defaults to today in the operator's time zone (:data:`OPERATOR_TZ`): a
recommendation made at 07:00 in Beijing belongs to that Beijing day, not to the
UTC one before it. The environment variable :data:`TODAY_ENV` sets "today" for a
whole process (a test run, a replay of yesterday's batch): the same knowledge,
profile and day give byte-identical results.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING

from pydantic_core import PydanticCustomError

from .errors import DATE_HINT, RecommenderError, Said, said_error
from .localized import Text
from .messages import message, text

if TYPE_CHECKING:
    from .knowledge.schema import Product

__all__ = [
    "DATE_HINT",
    "OPERATOR_TZ",
    "TODAY_ENV",
    "checked_day",
    "day_text",
    "off_sale",
    "parse_day",
    "period_end",
    "period_start",
    "today",
]

OPERATOR_TZ = "Asia/Shanghai"
TODAY_ENV = "RECOMMENDER_TODAY"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(value: object) -> date:
    """A day written ``YYYY-MM-DD`` (or a :class:`date`); anything else raises a ``bad_date`` error.

    A datetime is refused too: a validity period counts whole days, and a time of day
    would silently be cut off.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise said_error("bad_date", "bad-date.calendar", value=repr(value)) from None
    shown = repr(value) if isinstance(value, (str, int, float)) else Said("bad-date.kind", kind=type(value).__name__)
    raise said_error("bad_date", "bad-date.format", value=shown)


def _operator_zone() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo(OPERATOR_TZ)
    except Exception:  # no time-zone database installed: Shanghai has kept UTC+8 without summer time since 1991
        return timezone(timedelta(hours=8), OPERATOR_TZ)


def today() -> date:
    """Today in the operator's time zone, or the day :data:`TODAY_ENV` names (RecommenderError if it names none)."""
    fixed = os.environ.get(TODAY_ENV)
    if fixed:
        try:
            return parse_day(fixed.strip())
        except PydanticCustomError:
            raise RecommenderError(
                f"the environment variable {TODAY_ENV}={fixed!r} is not a day: {DATE_HINT}") from None
    return datetime.now(_operator_zone()).date()


def checked_day(as_of: object) -> date:
    """The day a call asks for: ``as_of`` when it is a date, today when None; TypeError otherwise."""
    if as_of is None:
        return today()
    if isinstance(as_of, date) and not isinstance(as_of, datetime):
        return as_of
    raise TypeError(f"as_of must be a datetime.date (a day, not a time), not {type(as_of).__name__}")


def period_start(day: date) -> str:
    """The TMF ``startDateTime`` of a period starting on ``day``: its first instant, operator's time."""
    return datetime.combine(day, time(0, 0), _operator_zone()).isoformat()


def period_end(day: date) -> str:
    """The TMF ``endDateTime`` of a period ending on ``day`` (inclusive): the last second of that day."""
    return datetime.combine(day, time(23, 59, 59), _operator_zone()).isoformat()


def day_text(day: date) -> Callable[[str], str]:
    """``day`` as each language writes a date (message ``date.day``: 2026年12月1日, 2026-12-01)."""
    return lambda lang: message("date.day", lang, year=day.year, month=day.month, day=day.day)


def off_sale(product: Product) -> Text | None:
    """Why a dated product is not sold on its day (not yet, or no longer, with the day), or None."""
    state, period = product.period_state, product.validFor
    if state == "upcoming" and period is not None and period.start is not None:
        return text("left_out.upcoming", day=day_text(period.start))
    if state == "ended" and period is not None and period.end is not None:
        return text("left_out.ended", day=day_text(period.end))
    return None

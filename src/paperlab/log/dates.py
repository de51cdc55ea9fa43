"""Dates as a learner writes them: `--date 2020-06-20` or `yesterday` on the command line, and the
forms an old log holds (`6/20/2020`, `Jun 20, 2020`, `2020-06-20`)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from paperlab.errors import InvalidInput

_RELATIVE = {"today": 0, "yesterday": 1}
_WRITTEN_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y",
                    "%b. %d, %Y", "%Y/%m/%d", "%Y.%m.%d")


def parse_day(text: str, flag: str = "--date", today: date | None = None, future: bool = False) -> date:
    """A day given on the command line: an ISO date, `today` or `yesterday`; in the future only
    where `future` allows it (a filter's bound, not when something happened)."""
    today = today or date.today()
    word = text.strip().lower()
    if word in _RELATIVE:
        return today - timedelta(days=_RELATIVE[word])
    day = parse_written(text)
    if day is None:
        raise InvalidInput(f"{flag} must be a date like 2020-06-20 (or 'yesterday'), got '{text}'")
    if day > today and not future:
        raise InvalidInput(f"{flag} {day.isoformat()} is in the future")
    return day


def parse_written(text: str) -> date | None:
    """A date in one of the forms people write in a log, or None. `6/20/2020` is read US-style
    (month first) unless the first number cannot be a month (`20/6/2020`)."""
    text = " ".join(text.strip().split())
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[T ].*)?", text):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    return _parse_other(text) if text else None


def _parse_other(text: str) -> date | None:
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", text)
    if m:
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        year += 2000 if year < 100 else 0
        month, day = (a, b) if a <= 12 else (b, a)
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for fmt in _WRITTEN_FORMATS:
        try:
            return datetime.strptime(text.replace("Sept", "Sep"), fmt).date()
        except ValueError:
            continue
    return None


def stamp(day: date | None) -> str:
    """A log timestamp: now, or noon (local time) of a backdated day."""
    if day is None or day == date.today():
        return datetime.now().astimezone().isoformat(timespec="seconds")
    return datetime.combine(day, time(12)).astimezone().isoformat(timespec="seconds")

"""The model of a ChangeWindows file: deny windows with a cron schedule, a duration, a zone."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

from croniter import croniter

from controller.config.model import Source

MAX_OCCURRENCES = 2000
TINY = timedelta(microseconds=1)  # croniter's get_prev is exclusive: this makes it inclusive

DURATION = re.compile(r"(?:(?P<d>[0-9]+)d)?(?:(?P<h>[0-9]+)h)?(?:(?P<m>[0-9]+)m)?")
MAX_DURATION = timedelta(days=366)


class Deny(StrEnum):
    """What a deny window holds back."""

    GO_LIVE = "go-live"
    ALL = "all"


def parse_duration(text: str) -> timedelta | None:
    """`96h`, `30m`, `2d`, `1d12h` as a timedelta; None when it is not one (or zero)."""
    match = DURATION.fullmatch(text) if isinstance(text, str) and text else None
    if match is None:
        return None
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    span = timedelta(days=parts.get("d", 0), hours=parts.get("h", 0), minutes=parts.get("m", 0))
    return span if span > timedelta(0) else None


def valid_schedule(text: str) -> bool:
    """A five-field cron expression croniter accepts (incl. `L`, ranges, steps, names)."""
    return isinstance(text, str) and len(text.split()) == 5 and croniter.is_valid(text)


@cache
def zone(name: str) -> ZoneInfo:
    """The time zone (tzdata's names, e.g. Europe/Berlin); ZoneInfoNotFoundError otherwise."""
    return ZoneInfo(name)


@dataclass(frozen=True)
class Window:
    """One deny window of a ChangeWindows file."""

    name: str
    deny: Deny
    schedule: str
    duration: timedelta
    timezone: str
    integrations: tuple[str, ...] = ("*",)
    override_allowed: bool = False
    source: str = ""  # file:line, for messages that point back at the file

    def holds(self, name: str, go_live: bool) -> bool:
        """Whether this window holds back such a change (of integration `name`) when open."""
        kind_held = go_live or self.deny is Deny.ALL
        return kind_held and any(fnmatch.fnmatchcase(name, g) for g in self.integrations)

    def open_stretch(self, now: datetime) -> tuple[datetime, datetime | None] | None:
        """(start, end) of the occurrence open at `now`, or None; end None: not in sight."""
        tz = zone(self.timezone)
        local = aware(now).astimezone(tz)
        start = croniter(self.schedule, local + TINY).get_prev(datetime)
        end = ends_after(start, self.duration, tz)
        if end <= local:
            return None
        following = croniter(self.schedule, start)
        for _ in range(MAX_OCCURRENCES):
            nxt = following.get_next(datetime)
            if nxt > end:
                return start, end
            end = max(end, ends_after(nxt, self.duration, tz))
        return start, None


@dataclass(frozen=True)
class ChangeWindows:
    """One ChangeWindows file: its deny windows, all read in one time zone."""

    name: str
    timezone: str
    windows: tuple[Window, ...]
    source: Source
    description: str = ""
    approvers: tuple[str, ...] = ()


def flatten(calendars: Iterable[ChangeWindows]) -> tuple[Window, ...]:
    """Every window of every file, in file order."""
    return tuple(w for c in calendars for w in c.windows)


def aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must carry a time zone (e.g. datetime.now(UTC))")
    return now


def ends_after(start: datetime, duration: timedelta, tz: ZoneInfo) -> datetime:
    # Elapsed time, as Argo CD adds a Go duration: 96h across a DST change is 96 real hours.
    return (start.astimezone(UTC) + duration).astimezone(tz)

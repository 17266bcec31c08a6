"""Change windows: whether a deny window holds a change back at a given moment, and until when.

Pure: `now` is always passed in (an aware datetime); nothing here reads a clock. After Argo
CD's sync windows: a window starts at each time its cron `schedule` names, read in its
`timezone` (so it follows daylight saving time), and lasts `duration` of elapsed time.
A window holds back a change from its start (inclusive) to its end (exclusive); occurrences
that overlap or touch are one stretch, so "when it ends" is when the last of them ends.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

from croniter import croniter

from controller.config.model import Source

# How far ahead "when does it end" and "when may it go" look before giving up: a window
# whose occurrences overlap forever (every minute, lasting an hour) never ends.
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
        local = _aware(now).astimezone(tz)
        start = croniter(self.schedule, local + TINY).get_prev(datetime)
        end = _after(start, self.duration, tz)
        if end <= local:
            return None
        following = croniter(self.schedule, start)
        for _ in range(MAX_OCCURRENCES):
            nxt = following.get_next(datetime)
            if nxt > end:
                return start, end
            end = max(end, _after(nxt, self.duration, tz))
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


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must carry a time zone (e.g. datetime.now(UTC))")
    return now


def _after(start: datetime, duration: timedelta, tz: ZoneInfo) -> datetime:
    # Elapsed time, as Argo CD adds a Go duration: 96h across a DST change is 96 real hours.
    return (start.astimezone(UTC) + duration).astimezone(tz)


@dataclass(frozen=True)
class Blocked:
    """The verdict: a window holds the change back from `started_at` until `ends_at`."""

    window: str
    deny: Deny
    started_at: datetime
    ends_at: datetime | None  # None: the window's occurrences overlap beyond what we look at
    override_allowed: bool
    source: str = ""


def blocking(
    windows: Iterable[Window], name: str, go_live: bool, now: datetime
) -> tuple[Blocked, ...]:
    """Every window that holds back this change at `now`, in the order of the files."""
    out = []
    for w in windows:
        if not w.holds(name, go_live):
            continue
        stretch = w.open_stretch(now)
        if stretch is not None:
            out.append(Blocked(w.name, w.deny, *stretch, w.override_allowed, w.source))
    return tuple(out)


def next_allowed(
    windows: Sequence[Window], name: str, go_live: bool, now: datetime
) -> datetime | None:
    """The first moment from `now` on when no window holds this change back (None: not seen)."""
    at = _aware(now)
    for _ in range(MAX_OCCURRENCES):
        held = blocking(windows, name, go_live, at)
        if not held:
            return at
        ends = [b.ends_at for b in held]
        if any(e is None for e in ends):
            return None
        at = max((e for e in ends if e is not None), key=lambda e: e.astimezone(UTC))
    return None

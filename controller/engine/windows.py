"""Change windows: whether a deny window holds a change back at a given moment, and until when.

Pure: `now` is always passed in (an aware datetime); nothing here reads a clock. After Argo
CD's sync windows: a window starts at each time its cron `schedule` names, read in its
`timezone` (so it follows daylight saving time), and lasts `duration` of elapsed time.
A window holds back a change from its start (inclusive) to its end (exclusive); occurrences
that overlap or touch are one stretch, so "when it ends" is when the last of them ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from controller.config.calendar import (
    MAX_OCCURRENCES,
    Deny,
    Window,
    aware,
)


# How far ahead "when does it end" and "when may it go" look before giving up: a window
# whose occurrences overlap forever (every minute, lasting an hour) never ends.
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
    at = aware(now)
    for _ in range(MAX_OCCURRENCES):
        held = blocking(windows, name, go_live, at)
        if not held:
            return at
        ends = [b.ends_at for b in held]
        if any(e is None for e in ends):
            return None
        at = max((e for e in ends if e is not None), key=lambda e: e.astimezone(UTC))
    return None

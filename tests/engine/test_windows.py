"""Change windows, evaluated at fixed moments: inside, outside, both edges, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from controller.config.calendar import Deny, Window, parse_duration, valid_schedule
from controller.engine.windows import blocking, next_allowed

BERLIN = ZoneInfo("Europe/Berlin")
MONTH_END = Window(
    "month-end close",
    Deny.GO_LIVE,
    "0 0 L * *",
    timedelta(hours=96),
    "Europe/Berlin",
    ("*",),
    override_allowed=True,
    source="config/windows.yaml:7",
)


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


def test_inside_a_window_a_go_live_is_blocked_naming_the_window_and_its_end():
    (held,) = blocking([MONTH_END], "acme-emea", True, berlin(2027, 1, 31, 12))
    assert held.window == "month-end close"
    assert held.started_at == berlin(2027, 1, 31, 0)
    assert held.ends_at == berlin(2027, 2, 4, 0)
    assert held.override_allowed is True
    assert held.source == "config/windows.yaml:7"


def test_outside_a_window_nothing_is_blocked():
    assert blocking([MONTH_END], "acme-emea", True, berlin(2027, 2, 15, 12)) == ()


def test_at_the_start_the_window_is_open_and_just_before_it_is_not():
    assert blocking([MONTH_END], "acme-emea", True, berlin(2027, 1, 31, 0))
    just_before = berlin(2027, 1, 31, 0) - timedelta(microseconds=1)
    assert blocking([MONTH_END], "acme-emea", True, just_before) == ()


def test_at_the_end_the_window_is_closed_and_just_before_it_is_open():
    assert blocking([MONTH_END], "acme-emea", True, berlin(2027, 2, 4, 0)) == ()
    assert blocking([MONTH_END], "acme-emea", True, berlin(2027, 2, 3, 23, 59, 59))


def test_routine_changes_go_on_unless_the_window_denies_all():
    assert blocking([MONTH_END], "acme-emea", False, berlin(2027, 1, 31, 12)) == ()
    freeze = Window("year-end", Deny.ALL, "0 0 24 12 *", timedelta(days=14), "Europe/Berlin")
    assert blocking([freeze], "acme-emea", False, berlin(2027, 12, 30))


def test_integrations_are_globs_on_the_name():
    emea = Window("emea", Deny.GO_LIVE, "0 0 * * *", timedelta(hours=1), "UTC", ("*-emea",))
    noon = datetime(2027, 5, 5, 0, 30, tzinfo=UTC)
    assert blocking([emea], "acme-emea", True, noon)
    assert blocking([emea], "globex-us", True, noon) == ()


def test_the_schedule_follows_local_time_across_the_spring_dst_change():
    # 28 March 2027: Berlin moves from CET (+01:00) to CEST (+02:00) at 02:00.
    daily = Window("nightly", Deny.GO_LIVE, "0 0 * * *", timedelta(hours=2), "Europe/Berlin")
    before = datetime(2027, 3, 27, 23, 30, tzinfo=UTC)  # 00:30 CET on the 28th
    after = datetime(2027, 3, 28, 22, 30, tzinfo=UTC)  # 00:30 CEST on the 29th
    assert blocking([daily], "a", True, before)[0].started_at == berlin(2027, 3, 28, 0)
    assert blocking([daily], "a", True, after)[0].started_at == berlin(2027, 3, 29, 0)
    # 23:30 UTC on the 28th is 01:30 CEST: the window opened 22:00 UTC and is over by then.
    assert blocking([daily], "a", True, datetime(2027, 3, 28, 23, 30, tzinfo=UTC))
    assert blocking([daily], "a", True, datetime(2027, 3, 29, 0, 0, tzinfo=UTC)) == ()


def test_the_duration_is_elapsed_time_across_the_autumn_dst_change():
    # 31 October 2027, 03:00 CEST -> 02:00 CET: 96 hours from midnight end at 23:00 CET.
    (held,) = blocking([MONTH_END], "a", True, berlin(2027, 11, 1, 12))
    assert held.started_at == berlin(2027, 10, 31, 0)
    assert held.ends_at == berlin(2027, 11, 3, 23)
    assert held.ends_at.utcoffset() == timedelta(hours=1)


def test_overlapping_occurrences_are_one_stretch_that_ends_with_the_last():
    every_day_for_two = Window("busy", Deny.GO_LIVE, "0 0 * * 1-3", timedelta(days=2), "UTC")
    (held,) = blocking([every_day_for_two], "a", True, datetime(2027, 5, 3, 1, tzinfo=UTC))
    assert held.ends_at == datetime(2027, 5, 7, 0, tzinfo=UTC)  # Wed 00:00 + 2 days


def test_next_allowed_is_now_outside_and_the_end_inside():
    now = berlin(2027, 2, 15)
    assert next_allowed([MONTH_END], "a", True, now) == now
    assert next_allowed([MONTH_END], "a", True, berlin(2027, 1, 31, 12)) == berlin(2027, 2, 4)


def test_next_allowed_steps_through_windows_that_follow_each_other():
    close = Window("close", Deny.GO_LIVE, "0 0 1 * *", timedelta(days=2), "UTC")
    audit = Window("audit", Deny.GO_LIVE, "0 0 3 * *", timedelta(days=1), "UTC")
    start = datetime(2027, 6, 1, 12, tzinfo=UTC)
    assert next_allowed([close, audit], "a", True, start) == datetime(2027, 6, 4, tzinfo=UTC)


def test_a_window_that_never_closes_has_no_end_in_sight():
    always = Window("always", Deny.ALL, "* * * * *", timedelta(hours=1), "UTC")
    (held,) = blocking([always], "a", False, datetime(2027, 1, 1, tzinfo=UTC))
    assert held.ends_at is None
    assert next_allowed([always], "a", False, datetime(2027, 1, 1, tzinfo=UTC)) is None


def test_now_without_a_time_zone_is_refused():
    with pytest.raises(ValueError, match="must carry a time zone"):
        blocking([MONTH_END], "a", True, datetime(2027, 1, 31, 12))


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("96h", timedelta(hours=96)),
        ("30m", timedelta(minutes=30)),
        ("2d", timedelta(days=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("", None),
        ("0h", None),
        ("96", None),
        ("1h30", None),
        ("1.5h", None),
        ("-1h", None),
        ("2w", None),
    ],
)
def test_durations(text, span):
    assert parse_duration(text) == span


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("0 0 L * *", True),
        ("0 9 * * mon-fri", True),
        ("*/15 * * * *", True),
        ("0 0 32 * *", False),
        ("0 0 * *", False),
        ("0 0 0 * * *", False),  # six fields (seconds) are not cron as people write it
        ("every day", False),
    ],
)
def test_schedules(text, ok):
    assert valid_schedule(text) is ok

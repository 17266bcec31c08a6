"""kind ChangeWindows: loaded by kind; each mistake at file:line:col with what is allowed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from controller.config import ConfigError, Problem, load, load_text
from controller.config.calendar import ChangeWindows, Deny

FILE = "config/windows.yaml"
BASE = """\
apiVersion: coupa-gitops/v1
kind: ChangeWindows
metadata: {name: finance-calendar, approvers: ["@acme/finance"]}
spec:
  timezone: Europe/Berlin
  windows:
    - name: month-end close
      deny: go-live
      schedule: "0 0 L * *"
      duration: 96h
      integrations: ["*"]
      override: allowed
"""


def problems(text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_text(FILE, text)
    return list(caught.value.problems)


def test_a_valid_file_loads_into_the_typed_model():
    calendar = load_text(FILE, BASE)
    assert isinstance(calendar, ChangeWindows)
    assert calendar.name == "finance-calendar"
    assert calendar.approvers == ("@acme/finance",)
    (window,) = calendar.windows
    assert window.name == "month-end close"
    assert window.deny is Deny.GO_LIVE
    assert window.duration == timedelta(hours=96)
    assert window.timezone == "Europe/Berlin"
    assert window.override_allowed is True
    assert window.source == f"{FILE}:7"


def test_override_is_optional_and_off_by_default():
    window = load_text(FILE, BASE.replace("      override: allowed\n", "")).windows[0]
    assert window.override_allowed is False


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '"0 0 L * *"',
            '"0 0 32 * *"',
            Problem(
                FILE,
                9,
                17,
                "spec.windows[0].schedule",
                "`0 0 32 * *` is not a cron schedule (is not acceptable, out of range): use five "
                "fields (minute hour day-of-month month day-of-week) in croniter syntax, e.g. "
                "`0 0 L * *` (midnight on the last day of each month)",
            ),
        ),
        (
            '"0 0 L * *"',
            '"0 0 L *"',
            Problem(
                FILE,
                9,
                17,
                "spec.windows[0].schedule",
                "`0 0 L *` is not a cron schedule (has 4 fields): use five fields (minute hour "
                "day-of-month month day-of-week) in croniter syntax, e.g. `0 0 L * *` (midnight "
                "on the last day of each month)",
            ),
        ),
        (
            "duration: 96h",
            "duration: 4 days",
            Problem(
                FILE,
                10,
                17,
                "spec.windows[0].duration",
                "`4 days` is not a duration: use a duration like 96h, 30m, 2d or 1d12h "
                "(d days, h hours, m minutes)",
            ),
        ),
        (
            "duration: 96h",
            "duration: 400d",
            Problem(
                FILE,
                10,
                17,
                "spec.windows[0].duration",
                "`400d` is longer than 366 days; split the window",
            ),
        ),
        (
            "timezone: Europe/Berlin",
            "timezone: Europe/Berln",
            Problem(
                FILE,
                5,
                13,
                "spec.timezone",
                "unknown time zone `Europe/Berln`: use an IANA name such as Europe/Berlin, "
                "America/New_York or UTC; did you mean `Europe/Berlin`?",
            ),
        ),
        (
            "deny: go-live",
            "deny: golive",
            Problem(
                FILE,
                8,
                13,
                "spec.windows[0].deny",
                "must be one of go-live, all; did you mean `go-live`?",
            ),
        ),
        (
            "override: allowed",
            "override: true",
            Problem(FILE, 12, 17, "spec.windows[0].override", "must be one of allowed"),
        ),
        (
            'integrations: ["*"]',
            'integrations: ["Acme-*"]',
            Problem(
                FILE,
                11,
                22,
                "spec.windows[0].integrations[0]",
                "`Acme-*` can never match: integration names are lowercase letters, digits and "
                "'-'; globs may add * ? [...]",
            ),
        ),
        (
            "    - name: month-end close\n",
            "    - name: month-end close!\n",
            Problem(
                FILE,
                7,
                13,
                "spec.windows[0].name",
                "must be 1-64 letters, digits, spaces or _ . : / = + - @, starting with a letter "
                "or digit (e.g. `month-end close`)",
            ),
        ),
        (
            "      override: allowed\n",
            "      override: allowed\n      applications: [x]\n",
            Problem(FILE, 13, 7, "spec.windows[0].applications", "unknown key `applications`"),
        ),
    ],
)
def test_each_mistake_names_where_and_what_is_allowed(old, new, expected):
    assert BASE.count(old) == 1
    assert problems(BASE.replace(old, new)) == [expected]


def test_an_unknown_kind_is_reported_with_a_did_you_mean():
    assert problems(BASE.replace("kind: ChangeWindows", "kind: ChangeWindow")) == [
        Problem(
            FILE,
            2,
            7,
            "kind",
            "unknown kind `ChangeWindow`: must be CoupaIntegration or ChangeWindows; did you "
            "mean `ChangeWindows`?",
        )
    ]


def test_window_names_are_unique_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text(BASE, encoding="utf-8")
    other = BASE.replace("finance-calendar", "group-calendar")
    (tmp_path / "b.yaml").write_text(other, encoding="utf-8")
    result = load([tmp_path])
    (problem,) = result.problems
    assert (problem.line, problem.col, problem.path) == (7, 13, "spec.windows[0].name")
    assert problem.message.startswith("window `month-end close` is already defined at ")
    assert problem.message.endswith(
        "a.yaml:7; window names must be unique (`apply --override-window` names one)"
    )
    assert [c.name for c in result.calendars] == ["finance-calendar"]  # the clashing file is out


def test_the_loader_keeps_integrations_and_windows_apart():
    result = load(["config/"])
    assert not result.problems
    assert [c.name for c in result.calendars] == ["finance-calendar"]
    assert [w.name for w in result.windows] == ["month-end close", "year-end close"]
    assert [i.name for i in result.integrations] == ["acme-emea", "globex-us"]

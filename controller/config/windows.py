"""kind ChangeWindows: the rules beyond its schema, and the typed model of a valid file.

Schedules go through croniter and time zones through zoneinfo (with tzdata), never through a
hand-written parser, so what validates is exactly what `plan` and `apply` evaluate.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from croniter import CroniterError, croniter

from controller.config.calendar import (
    MAX_DURATION,
    ChangeWindows,
    Deny,
    Window,
    parse_duration,
    valid_schedule,
)
from controller.config.model import Source
from controller.config.problems import Problem, dotted
from controller.config.rules import Finding, Rule
from controller.config.yamldoc import Document

KIND = "ChangeWindows"
SCHEMA = "change-windows.v1.json"
CRON_HELP = (
    "five fields (minute hour day-of-month month day-of-week) in croniter syntax, "
    "e.g. `0 0 L * *` (midnight on the last day of each month)"
)
DURATION_HELP = "a duration like 96h, 30m, 2d or 1d12h (d days, h hours, m minutes)"
# metadata.name of an integration is a lowercase slug: a glob with other characters matches none.
GLOB = re.compile(r"[a-z0-9*?\[\]!-]+")


def _windows(data: object) -> Iterator[tuple[int, dict[str, object]]]:
    spec = data.get("spec") if isinstance(data, dict) else None
    items = spec.get("windows") if isinstance(spec, dict) else None
    for index, window in enumerate(items if isinstance(items, list) else ()):
        if isinstance(window, dict):
            yield index, window


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: not a zone key at all ("../x")
        return False
    return True


def timezone_known(data: dict[str, object]) -> Iterator[Finding]:
    spec = data.get("spec") if isinstance(data, dict) else None
    name = spec.get("timezone") if isinstance(spec, dict) else None
    if isinstance(name, str) and name and not known_zone(name):
        match = difflib.get_close_matches(name, _zones(), n=1, cutoff=0.6)
        hint = f"; did you mean `{match[0]}`?" if match else ""
        yield (
            ("spec", "timezone"),
            f"unknown time zone `{name}`: use an IANA name such as Europe/Berlin, "
            f"America/New_York or UTC{hint}",
            False,
        )


def _cron_problem(text: str) -> str:
    fields = len(text.split())
    if fields != 5:
        return f"has {fields} field{'s' * (fields != 1)}"
    try:
        croniter(text)
    except (CroniterError, ValueError) as exc:
        return str(exc).replace(f"[{text}] ", "")
    return "is not valid"


def schedules_valid(data: dict[str, object]) -> Iterator[Finding]:
    for index, window in _windows(data):
        text = window.get("schedule")
        if isinstance(text, str) and not valid_schedule(text):
            yield (
                ("spec", "windows", index, "schedule"),
                f"`{text}` is not a cron schedule ({_cron_problem(text)}): use {CRON_HELP}",
                False,
            )


def durations_valid(data: dict[str, object]) -> Iterator[Finding]:
    for index, window in _windows(data):
        text = window.get("duration")
        if not isinstance(text, str):
            continue
        span = parse_duration(text)
        if span is None:
            yield (
                ("spec", "windows", index, "duration"),
                f"`{text}` is not a duration: use {DURATION_HELP}",
                False,
            )
        elif span > MAX_DURATION:
            yield (
                ("spec", "windows", index, "duration"),
                f"`{text}` is longer than {MAX_DURATION.days} days; split the window",
                False,
            )


def globs_match_names(data: dict[str, object]) -> Iterator[Finding]:
    for index, window in _windows(data):
        globs = window.get("integrations")
        for g, glob in enumerate(globs if isinstance(globs, list) else ()):
            if isinstance(glob, str) and glob and not GLOB.fullmatch(glob):
                yield (
                    ("spec", "windows", index, "integrations", g),
                    f"`{glob}` can never match: integration names are lowercase letters, "
                    "digits and '-'; globs may add * ? [...]",
                    False,
                )


RULES: tuple[Rule, ...] = (timezone_known, schedules_valid, durations_valid, globs_match_names)


def _valid_duration(text: str) -> timedelta:
    span = parse_duration(text)
    if span is None:  # pragma: no cover - durations_valid rejects the file before it gets here
        raise ValueError(f"`{text}` is not a duration")
    return span


def to_model(doc: Document) -> ChangeWindows:
    """The typed calendar of a document that passed every check."""
    data: Mapping[str, Any] = doc.data  # valid against its schema: the shapes are known
    meta, spec = data["metadata"], data["spec"]
    zone = spec["timezone"]
    windows = tuple(
        Window(
            name=w["name"],
            deny=Deny(w["deny"]),
            schedule=w["schedule"],
            duration=_valid_duration(w["duration"]),
            timezone=zone,
            integrations=tuple(w["integrations"]),
            override_allowed=w.get("override") == "allowed",
            source=f"{doc.file}:{doc.where(('spec', 'windows', i, 'name'))[0]}",
        )
        for i, w in enumerate(spec["windows"])
    )
    return ChangeWindows(
        name=meta["name"],
        timezone=zone,
        windows=windows,
        source=Source(doc.file, doc.where(("metadata", "name"))[0]),
        description=meta.get("description", ""),
        approvers=tuple(meta.get("approvers", ())),
    )


def duplicate_window_names(docs: list[Document]) -> list[Problem]:
    """Window names are unique across every ChangeWindows file (`--override-window NAME`)."""
    seen: dict[str, tuple[Document, tuple[str | int, ...]]] = {}
    problems = []
    for doc in docs:
        if not (isinstance(doc.data, dict) and doc.data.get("kind") == KIND):
            continue
        for index, window in _windows(doc.data):
            name = window.get("name")
            if not isinstance(name, str):
                continue
            path = ("spec", "windows", index, "name")
            if name in seen:
                first, first_path = seen[name]
                where = f"{first.file}:{first.where(first_path)[0]}"
                line, col = doc.where(path)
                message = (
                    f"window `{name}` is already defined at {where}; window names must be "
                    "unique (`apply --override-window` names one)"
                )
                problems.append(Problem(doc.file, line, col, dotted(path), message))
            else:
                seen[name] = (doc, path)
    return problems

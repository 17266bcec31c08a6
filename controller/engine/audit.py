"""The record of an approved go-live: who, which commit, when, and any window override.

It goes on the preference as tags (so `status` and anyone with AWS access can read it) and
into the job summary. Who approved: GitHub shows a protected environment's reviewer on the
run's page and through the REST API (`GET /repos/{owner}/{repo}/actions/runs/{id}/approvals`),
but gives the job itself only `GITHUB_ACTOR` (who started the run) and
`GITHUB_TRIGGERING_ACTOR` (who re-ran it). We record those and the run's URL, where the
reviewer's name is; we do not claim they are the reviewer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from controller.errors import UserError

TAG_VALUE_MAX = 256
REASON_MAX = 200  # leaves room for "NAME by ACTOR at TIME: " in the 256 characters of a tag
TAG_PUNCTUATION = frozenset(" _.:/=+-@")

GO_LIVE_BY_TAG = "coupa-gitops:go-live-by"
GO_LIVE_AT_TAG = "coupa-gitops:go-live-at"
GO_LIVE_RUN_TAG = "coupa-gitops:go-live-run"
OVERRIDE_TAG = "coupa-gitops:override"
# What `status` shows, in this order (the commit tag is the tool's own, written on every write).
RECORD_TAGS = (GO_LIVE_BY_TAG, GO_LIVE_AT_TAG, GO_LIVE_RUN_TAG, OVERRIDE_TAG)


def tag_safe(char: str) -> bool:
    """AWS tag values allow letters, digits, spaces and _ . : / = + - @ only."""
    return char.isalnum() or char in TAG_PUNCTUATION


def tag_value(text: str) -> str:
    """`text` as a valid AWS tag value: other characters become `_`, cut to 256."""
    return "".join(c if tag_safe(c) else "_" for c in text)[:TAG_VALUE_MAX]


def check_reason(text: str | None) -> str:
    """The override reason, or a UserError saying what is allowed."""
    reason = (text or "").strip()
    if not reason:
        raise UserError("--override-window needs --reason TEXT: why the window is overridden")
    if len(reason) > REASON_MAX:
        raise UserError(f"--reason is {len(reason)} characters; the limit is {REASON_MAX}")
    bad = sorted({c for c in reason if not tag_safe(c)})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise UserError(
            f"--reason may hold only letters, digits, spaces and _ . : / = + - @ (it becomes an "
            f"AWS tag); remove {shown}"
        )
    return reason


@dataclass(frozen=True)
class Override:
    """An emergency override of a deny window that allows one, with its reason."""

    window: str
    reason: str


@dataclass(frozen=True)
class Record:
    """Who ran the approved go-live, from which commit, when; and what it overrode."""

    actor: str
    at: str  # ISO 8601, UTC, seconds
    commit: str | None = None
    triggered_by: str | None = None
    run_url: str | None = None
    overrides: tuple[Override, ...] = ()

    @property
    def who(self) -> str:
        if self.triggered_by and self.triggered_by != self.actor:
            return f"{self.actor} / re-run by {self.triggered_by}"  # tag-safe characters only
        return self.actor

    def override_text(self, override: Override) -> str:
        return tag_value(f"{override.window} by {self.actor} at {self.at}: {override.reason}")

    def tags(self, overridden: tuple[str, ...] = ()) -> dict[str, str]:
        """The tags of a go-live; `overridden`: the windows this change went through."""
        tags = {GO_LIVE_BY_TAG: tag_value(self.who), GO_LIVE_AT_TAG: self.at}
        if self.run_url:
            tags[GO_LIVE_RUN_TAG] = tag_value(self.run_url)
        used = [o for o in self.overrides if o.window in overridden]
        if used:
            tags[OVERRIDE_TAG] = tag_value("; ".join(self.override_text(o) for o in used))
        return tags

    def markdown(self) -> str:
        """The job summary's record section."""
        lines = [
            "#### Record of this go-live",
            "",
            f"- run by: `{self.who}` (GitHub gives the job who started the run, not the "
            "environment's reviewer: the reviewer is on the run's page)",
            f"- commit: `{self.commit or 'unknown'}`",
            f"- at: {self.at}",
        ]
        if self.run_url:
            lines.append(f"- run: {self.run_url}")
        lines += [
            f"- :rotating_light: override of “{o.window}”: {o.reason}" for o in self.overrides
        ]
        return "\n".join(lines) + "\n"


def record(
    env: Mapping[str, str], now: datetime, commit: str | None, overrides: tuple[Override, ...]
) -> Record:
    """The record of a go-live run now, from GitHub's job environment (if any)."""
    server, repo, run = (
        env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return Record(
        actor=env.get("GITHUB_ACTOR") or "unknown (not run by GitHub Actions)",
        at=now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        commit=commit,
        triggered_by=env.get("GITHUB_TRIGGERING_ACTOR"),
        run_url=f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None,
        overrides=overrides,
    )

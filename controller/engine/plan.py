"""The Plan value: immutable and serialisable, the one thing render and apply read.

No I/O and no clock here: `today` is passed in. Rendering and applying only read the Plan.
Go-live classification (`controller.golive`), feature targets and readiness checks are tables.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from controller.config.calendar import Window
from controller.config.model import Integration, Mode
from controller.engine.golive import Action, Facts, Gate, classify
from controller.engine.readiness import Check
from controller.engine.windows import blocking, next_allowed

__all__ = ["Action", "Change", "Check", "FieldChange", "Gate", "Plan", "assemble"]

# 4: Change.provider, kind, scope and after (the provider seam).
# 3: Change.windows, Change.allowed_from, Change.sentence and Plan.at (change windows).
FORMAT_VERSION = "4"


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: object = None
    after: object = None
    sensitive: bool = False
    immutable: bool = False


@dataclass(frozen=True)
class Unknown:
    """A value the plan could not read, so it could not compare: apply refuses until it can."""

    path: str
    reference: str
    reason: str
    skipped: bool = False  # not read on purpose (--no-secrets): not a sign of change


@dataclass(frozen=True)
class WindowBlock:
    """A deny window open at the plan's `at`, holding this change back until `ends_at`."""

    name: str
    deny: str  # go-live | all
    ends_at: str | None  # ISO 8601 in the window's time zone; None: no end in sight
    timezone: str
    override_allowed: bool
    source: str = ""


@dataclass(frozen=True)
class Change:
    """One action on one integration. An integration may have an update and a status change."""

    name: str
    account: str
    region: str
    action: Action
    gate: Gate
    source: str = ""
    role_arn: str | None = None
    arn: str | None = None
    version: int | None = None
    fields: tuple[FieldChange, ...] = ()
    mode_before: Mode | None = None
    mode_after: Mode | None = None
    target_status: str | None = None
    # (feature, status now, status wanted) of a status change; the mode tag follows them.
    features: tuple[tuple[str, str | None, str], ...] = ()
    reasons: tuple[str, ...] = ()
    readiness: tuple[Check, ...] = ()
    blockers: tuple[str, ...] = ()
    unknown: tuple[Unknown, ...] = ()
    # Change windows at the plan's `at`: those holding it back, and when none will (ISO 8601).
    windows: tuple[WindowBlock, ...] = ()
    allowed_from: str | None = None
    sentence: str = ""  # what it does, in the reviewer's words (controller.reviewer)
    # Where it runs (engine/provider.py): the system, the kind of resource there, its scope
    # (e.g. a Coupa instance host; empty for AWS, whose account and region say it), and the
    # keys of the changes it must run after (it may read their outputs).
    provider: str = "aws"
    kind: str = "procurement-portal-preference"
    scope: str = ""
    after: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.readiness)

    @property
    def is_change(self) -> bool:
        return self.action is not Action.NOOP

    def comparable(self) -> dict[str, Any]:
        """What must be equal between a saved plan and a fresh one (not the clock-bound bits)."""
        doc: dict[str, Any] = json.loads(
            json.dumps(asdict(self), default=_json_default, sort_keys=True)
        )
        for clock_bound in ("readiness", "windows", "allowed_from", "sentence"):
            doc.pop(clock_bound)
        return doc


def gated(change: Change, facts: Facts) -> Change:
    """The change with the one go-live table's gate and reasons for `facts` (every provider)."""
    gate, reasons = classify(facts)
    return replace(change, gate=gate, reasons=change.reasons + reasons)


def title(change: Change) -> str:
    """`name: action`, or the mode change: the words every output uses for a change."""
    if change.provider != "aws":  # another system: say which resource there
        return f"{_aws_title(change)} (Coupa {change.kind})"
    return _aws_title(change)


def _aws_title(change: Change) -> str:
    if change.action is Action.STATUS and change.mode_before is change.mode_after:
        return f"{change.name}: restore mode {change.mode_after}"
    if change.action is Action.STATUS:
        return f"{change.name}: mode {change.mode_before or 'unknown'} -> {change.mode_after}"
    return f"{change.name}: {change.action.value}"


@dataclass(frozen=True)
class Unmanaged:
    """A live preference without our name tag: reported, never changed."""

    arn: str
    account: str
    buyer_identity: str
    supplier_identity: str
    adoptable_by: str | None = None


@dataclass(frozen=True)
class Duplicate:
    """A second managed preference carrying the same name tag: reported, never changed."""

    arn: str
    account: str
    region: str
    name: str
    kept: str

    @property
    def remedy(self) -> str:
        return (
            f"check that Coupa does not use it, then delete it: aws invoicing "
            f"delete-procurement-portal-preference --region {self.region} "
            f"--procurement-portal-preference-arn {self.arn}"
        )


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    unmanaged: tuple[Unmanaged, ...] = ()
    duplicates: tuple[Duplicate, ...] = ()
    config_digest: str = ""
    commit: str | None = None
    today: str = ""
    at: str = ""  # the moment change windows were evaluated at (ISO 8601, UTC)
    # The integration names a --changed-since plan covers (None: every file).
    scope: tuple[str, ...] | None = None
    format_version: str = FORMAT_VERSION
    notes: tuple[str, ...] = field(default=())

    @property
    def actionable(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.is_change)

    @property
    def has_changes(self) -> bool:
        return bool(self.actionable) or any(not u.skipped for _, u in self.unknown)

    @property
    def unknown(self) -> tuple[tuple[Change, Unknown], ...]:
        return tuple((c, u) for c in self.changes for u in c.unknown)

    @property
    def go_live(self) -> tuple[Change, ...]:
        return tuple(c for c in self.actionable if c.gate is Gate.GO_LIVE)

    @property
    def routine(self) -> tuple[Change, ...]:
        return tuple(c for c in self.actionable if c.gate is Gate.ROUTINE)

    @property
    def applyable(self) -> bool:
        """Whether apply could run all of it (given the flags): nothing unknown or blocked."""
        return not self.unknown and not any(c.blockers for c in self.changes)

    def counts(self) -> dict[str, int]:
        out = {a.value: 0 for a in Action}
        for change in self.changes:
            out[change.action.value] += 1
        return out

    def comparable(self) -> dict[str, Any]:
        """The changes and gates a saved plan must share with a fresh one to be applied."""
        return {
            "changes": sorted(
                (c.comparable() for c in self.changes if c.is_change or c.unknown),
                key=lambda d: json.dumps(d, sort_keys=True),
            ),
            "config_digest": self.config_digest,
            "scope": self.scope,
        }

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON form (also the plan file): stable keys, no secret values."""
        doc = asdict(self)
        doc["applyable"] = self.applyable
        out: dict[str, Any] = json.loads(json.dumps(doc, default=_json_default, sort_keys=True))
        return out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Plan:
        """The Plan of a plan file; KeyError/TypeError/ValueError when it is not one."""
        if doc.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"plan format {doc.get('format_version')!r} is not {FORMAT_VERSION}: plan again"
            )
        changes = tuple(
            Change(
                **{
                    **c,
                    "action": Action(c["action"]),
                    "gate": Gate(c["gate"]),
                    "mode_before": _mode(c["mode_before"]),
                    "mode_after": _mode(c["mode_after"]),
                    "fields": tuple(FieldChange(**_tuples(f)) for f in c["fields"]),
                    "features": tuple(tuple(f) for f in c["features"]),
                    "reasons": tuple(c["reasons"]),
                    "readiness": tuple(Check(**r) for r in c["readiness"]),
                    "blockers": tuple(c["blockers"]),
                    "unknown": tuple(Unknown(**u) for u in c["unknown"]),
                    "windows": tuple(WindowBlock(**w) for w in c["windows"]),
                    "after": tuple(c["after"]),
                }
            )
            for c in doc["changes"]
        )
        scope = doc["scope"]
        return cls(
            changes=changes,
            unmanaged=tuple(Unmanaged(**u) for u in doc["unmanaged"]),
            duplicates=tuple(Duplicate(**d) for d in doc["duplicates"]),
            config_digest=doc["config_digest"],
            commit=doc["commit"],
            today=doc["today"],
            at=doc["at"],
            scope=tuple(scope) if scope is not None else None,
            notes=tuple(doc["notes"]),
        )


def _mode(value: str | None) -> Mode | None:
    return Mode(value) if value is not None else None


def _json_default(value: object) -> object:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def _tuples(value: Any) -> Any:
    # A JSON value (lists become tuples, as the frozen dataclasses hold them): untyped by nature.
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


# --- the config digest: what a saved plan shares with the files it was made from ---


def config_digest(items: Iterable[Integration]) -> str:
    """Digest of the desired config (secret references, never secret values)."""
    canonical = json.dumps(
        [asdict(i) | {"source": None} for i in sorted(items, key=lambda i: i.name)],
        sort_keys=True,
        default=str,
    )
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def assemble(
    changes: Sequence[Change],
    *,
    items: Iterable[Integration],
    today: date,
    unmanaged: Sequence[Unmanaged] = (),
    duplicates: Sequence[Duplicate] = (),
    notes: Sequence[str] = (),
    prune: frozenset[str] | None = None,
    commit: str | None = None,
    now: datetime | None = None,
    windows: Sequence[Window] = (),
) -> Plan:
    """The Plan of the providers' changes: held back by open windows, said in plain words.

    `now` (aware) is when change `windows` are evaluated; without it none are.
    """
    from controller.engine.reviewer import sentence  # reviewer reads Change: import it late

    by_name = {i.name: i for i in items}
    held = [_windowed(c, windows, now) for c in changes] if now is not None else list(changes)
    said = [replace(c, sentence=sentence(c, by_name.get(c.name), today)) for c in held]
    return Plan(
        changes=tuple(said),
        unmanaged=tuple(unmanaged),
        duplicates=tuple(duplicates),
        config_digest=config_digest(by_name.values()),
        commit=commit,
        today=today.isoformat(),
        at=_iso(now.astimezone(UTC)) if now is not None else "",
        scope=tuple(sorted(prune)) if prune is not None else None,
        notes=tuple(notes),
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _windowed(change: Change, windows: Sequence[Window], now: datetime) -> Change:
    """The change with the deny windows that hold it back at `now` (a routine one: deny all)."""
    if not change.is_change:
        return change
    go_live = change.gate is Gate.GO_LIVE
    held = blocking(windows, change.name, go_live, now)
    if not held:
        return change
    free = next_allowed(windows, change.name, go_live, now)
    return replace(
        change,
        windows=tuple(
            WindowBlock(
                b.window,
                b.deny.value,
                _iso(b.ends_at) if b.ends_at else None,
                str(b.started_at.tzinfo),
                b.override_allowed,
                b.source,
            )
            for b in held
        ),
        allowed_from=_iso(free) if free else None,
    )

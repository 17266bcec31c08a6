"""`coupa-gitops intent`: what a change asks for, read from git alone (no AWS access).

A pull request from a fork gets no cloud credentials, so it cannot run `plan`. Its reviewers
still need to know what it would do: which integrations it adds, edits and removes, which
change `mode`, and which of those are go-live changes that can start or stop real purchasing
or invoicing. This module answers from the files at a base ref and in the working tree.

It is an estimate from the files: the plan, which reads the live state, is authoritative. Both
classify with the one table in `controller.golive`; here the mode at the base ref stands for
the live mode, and a file that cannot be read counts as go-live.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

from controller import config
from controller.config.model import Mode
from controller.config.problems import ConfigError
from controller.config.yamldoc import decode, parse
from controller.engine import golive
from controller.engine.golive import Action, Facts, Gate
from controller.gitops import gitdiff

FORMAT_VERSION = "1"
ROUTINE, GO_LIVE = Gate.ROUTINE.value, Gate.GO_LIVE.value
ADD, EDIT, REMOVE = "add", "edit", "remove"
SECRET_SOURCES = frozenset({"env", "ssm", "secretsManager"})
REDACTED = "(not a secret reference: value hidden)"
MARKDOWN_BUDGET = 30_000  # bytes; a comment holds 65,536 characters and the plan shares it
MAX_NOTES = 20
MODE_PATH = "spec.mode"


def _as_mode(value: str | None) -> Mode | None:
    return Mode(value) if value is not None and value in Mode.__members__.values() else None


def facts_of(
    kind: str, before: str | None, after: str | None, fields: tuple[FieldChange, ...]
) -> tuple[Facts, ...]:
    """The go-live table's facts for one file change, as `plan` would see them."""
    was, wants = _as_mode(before), _as_mode(after)
    if kind == ADD:
        return (Facts(Action.CREATE, None, wants),)
    if kind == REMOVE:
        return (Facts(Action.DELETE, was, None, known=was is not None),)
    if was is None or wants is None:  # a side cannot be read: the table decides, deny by default
        return (Facts(Action.UPDATE, was, wants, known=was is not None),)
    out = []
    if any(f.path != MODE_PATH for f in fields):
        out.append(Facts(Action.UPDATE, was, wants))
    if was is not wants:
        out.append(Facts(Action.STATUS, was, wants))
    return tuple(out)


def classify(facts: tuple[Facts, ...]) -> tuple[str, tuple[str, ...]]:
    """routine or go-live for a file change, from the one go-live table."""
    results = [golive.classify(f) for f in facts]
    reasons = tuple(dict.fromkeys(r for _, found in results for r in found))
    gate = Gate.GO_LIVE if any(g is Gate.GO_LIVE for g, _ in results) else Gate.ROUTINE
    return gate.value, reasons


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: object = None
    after: object = None


@dataclass(frozen=True)
class IntegrationIntent:
    """One integration that the change adds, edits or removes."""

    name: str | None  # None when no file states a readable name
    kind: str  # add | edit | remove
    gate: str  # routine | go-live
    reasons: tuple[str, ...]
    mode_before: str | None
    mode_after: str | None
    file_before: str | None
    file_after: str | None
    fields: tuple[FieldChange, ...] = ()
    valid_after: bool | None = None  # does the file validate now (None: removed)

    @property
    def label(self) -> str:
        return self.name or f"(unnamed: {self.file_after or self.file_before})"

    @property
    def mode_changed(self) -> bool:
        return self.kind == EDIT and self.mode_before != self.mode_after


@dataclass(frozen=True)
class Intent:
    base: str
    base_commit: str
    integrations: tuple[IntegrationIntent, ...]
    widen_to_all: bool = False
    widened_by: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    windows: tuple[str, ...] = ()  # changed ChangeWindows files: routine, noted

    @property
    def go_live(self) -> tuple[IntegrationIntent, ...]:
        return tuple(i for i in self.integrations if i.gate == GO_LIVE)

    @property
    def routine(self) -> tuple[IntegrationIntent, ...]:
        return tuple(i for i in self.integrations if i.gate == ROUTINE)

    def counts(self) -> dict[str, int]:
        out = {ADD: 0, EDIT: 0, REMOVE: 0, GO_LIVE: 0, ROUTINE: 0}
        for item in self.integrations:
            out[item.kind] += 1
            out[item.gate] += 1
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "format_version": FORMAT_VERSION,
            "base": self.base,
            "base_commit": self.base_commit,
            "go_live": bool(self.go_live),
            "counts": self.counts(),
            "widen_to_all": self.widen_to_all,
            "widened_by": list(self.widened_by),
            "notes": list(self.notes),
            "change_windows": list(self.windows),
            "integrations": [
                {
                    "name": i.name,
                    "kind": i.kind,
                    "gate": i.gate,
                    "reasons": list(i.reasons),
                    "mode": {"before": i.mode_before, "after": i.mode_after},
                    "file": {"before": i.file_before, "after": i.file_after},
                    "valid_after": i.valid_after,
                    "fields": [asdict(f) for f in i.fields],
                }
                for i in self.integrations
            ],
        }


# --- reading one side of a file ---


@dataclass(frozen=True)
class _Side:
    file: str
    data: object  # the parsed YAML (None when it does not parse)
    valid: bool

    @property
    def name(self) -> str | None:
        meta = self.data.get("metadata") if isinstance(self.data, dict) else None
        name = meta.get("name") if isinstance(meta, dict) else None
        return name if isinstance(name, str) and name else None

    @property
    def mode(self) -> str | None:
        spec_ = self.data.get("spec") if isinstance(self.data, dict) else None
        if not isinstance(spec_, dict):
            return None
        mode = spec_.get("mode", "test")
        return mode if isinstance(mode, str) else None


def _side(file: str, text: str | None) -> _Side:
    """One file's content, validated with the project's loader; unreadable -> data None."""
    if text is None:
        return _Side(file, None, False)
    try:
        config.load_text(file, text)
        valid = True
    except ConfigError:
        valid = False
    try:
        data = parse(file, text).data
    except ConfigError:
        data = None
    return _Side(file, _redact(data), valid)


def _is_reference(value: object) -> bool:
    return (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)) in SECRET_SOURCES
        and isinstance(next(iter(value.values())), str)
    )


def _redact(data: object) -> object:
    """The data with any `sharedSecret` that is not a reference replaced: never echo a secret."""
    if isinstance(data, dict):
        return {
            k: (v if _is_reference(v) else REDACTED) if k == "sharedSecret" else _redact(v)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_redact(v) for v in data]
    return data


_ABSENT = object()


def diff_fields(before: object, after: object, path: str = "") -> list[FieldChange]:
    """Leaf-level differences between two parsed documents (lists compare as one value)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[FieldChange] = []
        for key in sorted({*before, *after}, key=str):
            sub = f"{path}.{key}" if path else str(key)
            out.extend(diff_fields(before.get(key, _ABSENT), after.get(key, _ABSENT), sub))
        return out
    if before == after and type(before) is type(after):
        return []
    return [
        FieldChange(
            path or "(document)",
            None if before is _ABSENT else before,
            None if after is _ABSENT else after,
        )
    ]


def _intent(base: _Side | None, head: _Side | None) -> IntegrationIntent:
    kind = ADD if base is None else REMOVE if head is None else EDIT
    fields: tuple[FieldChange, ...] = ()
    if (  # kind == EDIT: both sides exist
        base is not None and head is not None and base.data is not None and head.data is not None
    ):
        fields = tuple(diff_fields(base.data, head.data))
    before, after = (base.mode if base else None), (head.mode if head else None)
    gate, reasons = classify(facts_of(kind, before, after, fields))
    return IntegrationIntent(
        name=(head.name if head else None) or (base.name if base else None),
        kind=kind,
        gate=gate,
        reasons=reasons,
        mode_before=before,
        mode_after=after,
        file_before=base.file if base else None,
        file_after=head.file if head else None,
        fields=fields,
        valid_after=head.valid if head else None,
    )


def _base_text(changes: gitdiff.ChangeSet, file: str) -> str | None:
    try:
        return gitdiff.text_at(changes.base_commit, file, repo_dir=changes.root)
    except ConfigError:  # not UTF-8, too large: unreadable at base
        return None


def _head_text(changes: gitdiff.ChangeSet, file: str) -> str | None:
    try:
        return decode(file, (Path(changes.root) / file).read_bytes())
    except (OSError, ConfigError):
        return None


def compute(base: str, paths: list[str], repo_dir: str = ".") -> Intent:
    """The intent of the working tree's config changes since `base`."""
    changes = gitdiff.changed_since(base, paths, repo_dir=repo_dir)
    old_sides = {f: _side(f, _base_text(changes, f)) for f in changes.base_files}
    new_sides = {f: _side(f, _head_text(changes, f)) for f in changes.head_files}
    # Integrations pair up by name: a new name in the same file is a removal plus an addition.
    # A side whose name cannot be read pairs with the other side of its own file instead.
    moved = {**{f: f for f in changes.modified}, **dict(changes.renamed)}
    back = {new: old for old, new in moved.items()}

    def key_of(side: _Side, counterpart: _Side | None) -> str:
        if side.name:
            return side.name
        if counterpart is not None and counterpart.name:
            return counterpart.name
        return f"?{side.file}"

    before: dict[str, _Side] = {}
    for file, side in old_sides.items():
        before[key_of(side, new_sides.get(moved.get(file, "")))] = side
    notes: list[str] = []
    after: dict[str, _Side] = {}
    for file, side in new_sides.items():
        key = key_of(side, old_sides.get(back.get(file, "")))
        if key.startswith("?") and file in back:
            key = f"?{back[file]}"  # both sides unnamed: the base side's key
        if key in after:
            notes.append(f"`{key}` is named in both `{after[key].file}` and `{file}`")
            key = f"{key}?{file}"
        after[key] = side

    items = [_intent(before.get(k), after.get(k)) for k in sorted({*before, *after})]
    # A file that only moved, with the same content, asks for nothing.
    items = [i for i in items if not (i.kind == EDIT and not i.fields and i.gate == ROUTINE)]
    items.sort(key=lambda i: (i.gate != GO_LIVE, i.label))
    for item in items:
        if item.valid_after is False:
            notes.append(f"`{item.file_after}` does not validate; `coupa-gitops validate` says why")
    # A calendar starts or stops nothing by itself (routine), but it decides when go-live may
    # run, which a reviewer should know about.
    notes.extend(
        f"change windows `{f}` changed: routine in itself, but `plan` and `apply` hold "
        "go-live changes back while its deny windows are open"
        for f in changes.windows
    )
    if changes.widen_to_all:
        notes.append(
            "files under schemas/ or controller/ changed, so `plan --changed-since` "
            "covers every integration"
        )
    return Intent(
        base=base,
        base_commit=changes.base_commit,
        integrations=tuple(items),
        widen_to_all=changes.widen_to_all,
        widened_by=changes.widened_by,
        notes=tuple(notes),
        windows=changes.windows,
    )


def run(base: str, paths: list[str], fmt: str = "text", out: TextIO | None = None) -> int:
    """`coupa-gitops intent`: print the intent; 0 always (errors raise UserError)."""
    from controller.gitops.intent_render import RENDERERS  # renderers read the value

    intent = compute(base, paths)
    (out or sys.stdout).write(RENDERERS[fmt](intent))
    return 0

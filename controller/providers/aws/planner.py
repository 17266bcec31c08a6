"""The AWS provider's planner: procurement portal preferences diffed against the config.

Pure: no I/O, no clock (`today` and `now` are passed in). It matches files to preferences
(name tag, identity, renames, moves, duplicates), diffs fields and tags, sets the feature
statuses a mode asks for, and classifies every change with the one go-live table; the engine
assembles the Plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TypedDict

from controller.config.calendar import Window
from controller.config.model import Integration, Mode
from controller.engine.desired import Desired
from controller.engine.golive import Action, Facts, Gate
from controller.engine.plan import (
    Change,
    FieldChange,
    Plan,
    Unknown,
    Unmanaged,
    assemble,
    gated,
)
from controller.providers.aws.diff import diff_fields, diff_tags
from controller.providers.aws.matching import match_preferences, renamed_from
from controller.providers.aws.readiness import activate_checks, supplier_checks, suspend_checks
from controller.providers.aws.state import (
    ACTIVE,
    FEATURE_LABELS,
    PENDING,
    SUSPENDED,
    TEST_FAILED,
    TEST_INITIALIZATION_FAILED,
    TEST_INITIALIZED,
    VALIDATED,
    LivePreference,
    Observed,
    enabled_features,
)
from controller.providers.aws.translate import (
    IMMUTABLE,
    SECRET_FIELDS,
    desired_essence,
)

# --- feature statuses: the mode wanted, per enabled feature ---

# A mode an integration may not move to from where it is, and why (nothing is called).
REFUSED_MOVES: dict[tuple[Mode, Mode], str] = {
    (Mode.TEST, Mode.SUSPENDED): (
        "cannot suspend an integration that never went live; keep `mode: test`"
    ),
    (Mode.LIVE, Mode.TEST): (
        "AWS has no way back to test mode once live; use `mode: suspended` to pause it"
    ),
    (Mode.SUSPENDED, Mode.TEST): (
        "AWS has no way back to test mode once live; keep `mode: suspended` or go `live`"
    ),
}

# A suspended integration that this apply replaces (or moves): the new preference starts in
# test mode, and AWS cannot suspend what never was live. Not "never went live": it did.
SUSPENDED_REWORK = (
    "is suspended: its replacement is a new preference in test mode, which AWS cannot "
    "suspend; revert the change to the identity or account, or set `mode: test` to start "
    "the replacement in test mode (nothing flows either way)"
)

_TEST_STATUSES = (PENDING, VALIDATED, TEST_INITIALIZED, TEST_FAILED, TEST_INITIALIZATION_FAILED)

# Per wanted mode: a feature's status now -> the status to set. A status not listed is right.
FEATURE_TARGETS: dict[Mode, dict[str | None, str]] = {
    Mode.LIVE: {**dict.fromkeys(_TEST_STATUSES, ACTIVE), SUSPENDED: ACTIVE, None: ACTIVE},
    # Only an ACTIVE feature can be suspended; one in a test status carries nothing real.
    Mode.SUSPENDED: {ACTIVE: SUSPENDED},
    Mode.TEST: {},
}

# Fields whose change on a validated preference sends AWS back to PENDING_VERIFICATION.
REVALIDATING_FIELDS = frozenset({"production.instanceUrl", "production.sharedSecret"})


def feature_moves(
    item: Integration, live: LivePreference | None, revalidates: bool
) -> tuple[tuple[str, str | None, str], ...]:
    """(feature, status now, status wanted) for each enabled feature not in its wanted status.

    `revalidates`: this apply changes the live endpoint or secret, after which AWS wants the
    features validated and tested again, so they count as PENDING_VERIFICATION.
    """
    out = []
    for feature in enabled_features(item):
        now = PENDING if revalidates or live is None else live.status_of(feature)
        target = FEATURE_TARGETS[item.mode].get(now)
        if target is not None:
            out.append((feature, now, target))
    return tuple(out)


def _unknown(d: Desired) -> tuple[Unknown, ...]:
    item = d.integration
    paths = {item.production.shared_secret: "production.sharedSecret"}
    if item.test is not None:
        paths.setdefault(item.test.shared_secret, "test.sharedSecret")
    why = dict(d.unreadable)
    return tuple(
        Unknown(path, str(ref), why.get(ref, "could not be read"), d.secrets_skipped)
        for ref, path in paths.items()
        if d.digests.get(ref) is None
    )


class _Base(TypedDict):
    """The members every Change of one integration shares."""

    name: str
    account: str
    region: str
    source: str
    role_arn: str | None
    arn: str | None
    version: int | None


def _base(item: Integration, live: LivePreference | None) -> _Base:
    return {
        "name": item.name,
        "account": item.account,
        "region": item.region,
        "source": item.source.file,
        "role_arn": item.role_arn,
        "arn": live.arn if live else None,
        "version": live.version if live else None,
    }


def _gated(change: Change, known: bool = True) -> Change:
    return gated(change, Facts(change.action, change.mode_before, change.mode_after, known))


def _create(
    d: Desired, unmanaged: Sequence[LivePreference], moved_from: LivePreference | None
) -> Change:
    item = d.integration
    wanted = desired_essence(item, d.digests)
    fields = tuple(
        FieldChange(path, sensitive=True)
        if path in SECRET_FIELDS
        else FieldChange(path, None, value)
        for path, value in wanted.items()
        if value not in (None, ())
    ) + tuple(FieldChange(f"tags.{k}", None, v) for k, v in item.tags)
    blockers = tuple(
        f"unmanaged preference {p.arn} already has this portal, buyer and supplier; adopt it "
        f"with `coupa-gitops import {item.name} --arn {p.arn}`"
        for p in unmanaged
        if p.account == item.account and p.natural_key == item.natural_key
    )
    reasons = (
        (f"moves from account {moved_from.account} ({moved_from.arn} is deleted there)",)
        if moved_from
        else ()
    )
    change = Change(
        **_base(item, None),
        action=Action.CREATE,
        gate=Gate.ROUTINE,
        fields=fields,
        mode_before=moved_from.live_mode if moved_from else None,
        mode_after=Mode.TEST,
        reasons=reasons,
        blockers=blockers,
        unknown=_unknown(d),
    )
    # A move is as live as the preference it leaves; an unknown mode there counts as live.
    return _gated(change, known=moved_from is None or moved_from.live_mode is not None)


def _status(
    item: Integration,
    live: LivePreference | None,
    today: date,
    revalidates: bool,
    was: Mode | None = None,
) -> Change | None:
    """The mode change `item` needs; `was`: the mode of the preference a replace or move ends."""
    # Re-pointing a live endpoint sends its features back to a test status (ours to say).
    before = live.live_mode if live is not None and not revalidates else Mode.TEST
    moves = feature_moves(item, live, revalidates)
    tag_right = live is not None and live.tag_mode is item.mode and before is not None
    if live is None and item.mode is Mode.TEST:
        return None  # a create records mode test itself
    if not moves and tag_right:
        return None
    refused = REFUSED_MOVES.get((before, item.mode)) if before is not None else None
    if live is None and was is Mode.SUSPENDED and item.mode is Mode.SUSPENDED:
        before, refused = Mode.SUSPENDED, f"{item.name} {SUSPENDED_REWORK}"
    targets = {target for _, _, target in moves}
    if ACTIVE in targets:
        readiness = activate_checks(item, live, moves, today, revalidates)
    elif SUSPENDED in targets:
        readiness = suspend_checks(live, moves)
    else:
        readiness = ()
    change = Change(
        **_base(item, live),
        action=Action.STATUS,
        gate=Gate.GO_LIVE,
        mode_before=before,
        mode_after=item.mode,
        target_status=next(iter(targets)) if len(targets) == 1 else None,
        features=moves,
        reasons=tuple(
            f"{FEATURE_LABELS[f]} is {now or 'unknown'}; {item.mode} needs {target}"
            for f, now, target in moves
            if live is not None and before is item.mode
        ),
        readiness=readiness,
        blockers=(refused,) if refused else (),
    )
    return _gated(change, known=before is not None)


def _update_or_replace(
    d: Desired, live: LivePreference, fields: tuple[FieldChange, ...], today: date
) -> list[Change]:
    item, mode = d.integration, live.live_mode
    changed = {f.path for f in fields}
    if changed & IMMUTABLE:
        immutable = ", ".join(sorted(changed & IMMUTABLE))
        replace_ = Change(
            **_base(item, live),
            action=Action.REPLACE,
            gate=Gate.ROUTINE,
            reasons=(f"immutable field changed: {immutable} (delete + create)",),
            fields=fields,
            mode_before=mode,
            mode_after=Mode.TEST,
            unknown=_unknown(d),
        )
        status = _status(item, None, today, True, was=mode)
        return [_gated(replace_, mode is not None), *([status] if status else [])]
    revalidates = bool(changed & REVALIDATING_FIELDS) and mode is not Mode.TEST
    out: list[Change] = []
    if fields:
        update = Change(
            **_base(item, live),
            action=Action.UPDATE,
            gate=Gate.ROUTINE,
            reasons=(
                "AWS sends e-invoice delivery and PO retrieval back to PENDING_VERIFICATION: "
                "they stop until validated and tested again",
            )
            if revalidates
            else (),
            fields=fields,
            mode_before=mode,
            mode_after=mode,
            unknown=_unknown(d),
        )
        out.append(_gated(update, mode is not None))
    status = _status(item, live, today, revalidates)
    if status:
        out.append(status)
    if not out:
        out.append(
            Change(
                **_base(item, live),
                action=Action.NOOP,
                gate=Gate.ROUTINE,
                mode_before=mode,
                mode_after=mode,
                unknown=_unknown(d),
            )
        )
    return out


def _changes_for(
    d: Desired,
    live: LivePreference | None,
    unmanaged: Sequence[LivePreference],
    moved_from: LivePreference | None,
    today: date,
) -> list[Change]:
    item = d.integration
    if live is None:
        status = _status(item, None, today, False, was=moved_from.live_mode if moved_from else None)
        return [_create(d, unmanaged, moved_from), *([status] if status else [])]
    unresolved = frozenset(u.path for u in _unknown(d))
    fields = diff_fields(desired_essence(item, d.digests), live.essence, unresolved)
    return _update_or_replace(d, live, fields + diff_tags(item, live), today)


def _delete(live: LivePreference, why: str) -> Change:
    change = Change(
        name=live.managed_name or "",
        account=live.account,
        region=live.region,
        role_arn=live.role_arn,
        action=Action.DELETE,
        gate=Gate.ROUTINE,
        arn=live.arn,
        version=live.version,
        reasons=(why,),
        mode_before=live.live_mode,
    )
    return _gated(change, known=live.live_mode is not None)


def _suppliers_checked(
    changes: list[Change], item: Integration, observed: Observed
) -> tuple[list[Change], tuple[str, ...]]:
    """A go-live to live gets the supplier checks as readiness; any other failure is a note."""
    checks = supplier_checks(item, observed.suppliers_of(item.account, item.natural_key[0]))
    out, shown = [], False
    for change in changes:
        if change.action is Action.STATUS and change.mode_after is Mode.LIVE and checks:
            change, shown = replace(change, readiness=change.readiness + checks), True
        out.append(change)
    notes = () if shown else tuple(f"{item.name}: {c.detail}" for c in checks if not c.ok)
    return out, notes


def make_plan(
    desired: Sequence[Desired],
    observed: Observed,
    *,
    today: date,
    prune: frozenset[str] | None = None,
    commit: str | None = None,
    now: datetime | None = None,
    windows: Sequence[Window] = (),
) -> Plan:
    """Diff the config against AWS. `prune`: names that may be deleted (None: any orphan).

    `now` (aware) is when change `windows` are evaluated; without it none are.
    """
    match = match_preferences(observed.preferences, desired)
    wanted = sorted(desired, key=lambda d: d.integration.name)
    names = {d.integration.name for d in wanted}
    keys = {(d.integration.account, d.integration.name) for d in wanted}
    orphans = {k: p for k, p in match.by_key.items() if k not in keys and k[1] not in names}
    moved = {k: p for k, p in match.by_key.items() if k not in keys and k[1] in names}
    changes: list[Change] = []
    notes: list[str] = []
    for d in wanted:
        item = d.integration
        live = match.by_key.get((item.account, item.name))
        if live is None and (old := renamed_from(item, orphans)) is not None:
            live = orphans.pop((old.account, old.managed_name or ""))
        moved_from = next((p for (_, n), p in moved.items() if n == item.name), None)
        own = _changes_for(d, live, match.unmanaged, None if live else moved_from, today)
        own, own_notes = _suppliers_checked(own, item, observed)
        changes += own
        notes += own_notes
    for (_, name), pref in sorted(moved.items()):
        if prune is not None and name not in prune:
            continue
        new = next(d.integration.account for d in wanted if d.integration.name == name)
        changes.append(_delete(pref, f"its file now names account {new}: the integration moves"))
    for (_, name), pref in sorted(orphans.items()):
        if prune is None or name in prune:
            changes.append(_delete(pref, "its config file is gone"))
    by_identity = {
        (*d.integration.natural_key, d.integration.account): d.integration.name for d in wanted
    }
    return assemble(
        changes,
        items=(d.integration for d in wanted),
        today=today,
        unmanaged=[
            Unmanaged(
                p.arn,
                p.account,
                p.buyer_identity,
                p.supplier_identity,
                by_identity.get((*p.natural_key, p.account)),
            )
            for p in match.unmanaged
        ],
        duplicates=match.duplicates,
        notes=notes,
        prune=prune,
        commit=commit,
        now=now,
        windows=windows,
    )

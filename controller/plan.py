"""The plan: a pure function from (desired, observed) to an immutable, serialisable Plan.

No I/O and no clock here: `today` is passed in. Rendering and applying only read the Plan.
The go-live classification, the mode transitions and the readiness checks are tables.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum

from controller.model import Integration
from controller.state import (
    ACTIVE,
    FEATURE_LABELS,
    PENDING,
    SUSPENDED,
    TEST_FAILED,
    TEST_INITIALIZATION_FAILED,
    TEST_INITIALIZED,
    Desired,
    LivePreference,
    Observed,
)
from controller.translate import IMMUTABLE, SECRET_FIELDS, desired_essence

FORMAT_VERSION = "1"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    STATUS = "status"
    NOOP = "no-op"


class Gate(StrEnum):
    ROUTINE = "routine"
    GO_LIVE = "go-live"


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: object = None
    after: object = None
    sensitive: bool = False
    immutable: bool = False


@dataclass(frozen=True)
class Check:
    """One line of a go-live readiness checklist."""

    name: str
    ok: bool
    detail: str


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
    mode_before: str | None = None
    mode_after: str | None = None
    target_status: str | None = None
    reasons: tuple[str, ...] = ()
    readiness: tuple[Check, ...] = ()
    blockers: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.readiness)

    @property
    def is_change(self) -> bool:
        return self.action is not Action.NOOP


@dataclass(frozen=True)
class Unmanaged:
    """A live preference without our name tag: reported, never changed."""

    arn: str
    account: str
    buyer_identity: str
    supplier_identity: str
    adoptable_by: str | None = None


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    unmanaged: tuple[Unmanaged, ...] = ()
    config_digest: str = ""
    commit: str | None = None
    today: str = ""
    format_version: str = FORMAT_VERSION
    notes: tuple[str, ...] = field(default=())

    @property
    def actionable(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.is_change)

    @property
    def has_changes(self) -> bool:
        return bool(self.actionable)

    @property
    def go_live(self) -> tuple[Change, ...]:
        return tuple(c for c in self.actionable if c.gate is Gate.GO_LIVE)

    @property
    def routine(self) -> tuple[Change, ...]:
        return tuple(c for c in self.actionable if c.gate is Gate.ROUTINE)

    def counts(self) -> dict[str, int]:
        out = {a.value: 0 for a in Action}
        for change in self.changes:
            out[change.action.value] += 1
        return out

    def to_dict(self) -> dict:
        """The documented JSON form (also the plan file): stable keys, no secret values."""
        return json.loads(json.dumps(asdict(self), default=_json_default, sort_keys=True))

    @classmethod
    def from_dict(cls, doc: dict) -> Plan:
        if doc.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"plan format {doc.get('format_version')!r} is not {FORMAT_VERSION}")
        changes = tuple(
            Change(
                **{
                    **c,
                    "action": Action(c["action"]),
                    "gate": Gate(c["gate"]),
                    "fields": tuple(FieldChange(**_tuples(f)) for f in c["fields"]),
                    "reasons": tuple(c["reasons"]),
                    "readiness": tuple(Check(**r) for r in c["readiness"]),
                    "blockers": tuple(c["blockers"]),
                }
            )
            for c in doc["changes"]
        )
        return cls(
            changes=changes,
            unmanaged=tuple(Unmanaged(**u) for u in doc["unmanaged"]),
            config_digest=doc["config_digest"],
            commit=doc["commit"],
            today=doc["today"],
            notes=tuple(doc.get("notes", ())),
        )


def _json_default(value: object) -> object:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def _tuples(value: object) -> object:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


# --- the config digest: what `apply --plan` compares to refuse a plan made from other files ---


def config_digest(items: Iterable[Integration]) -> str:
    """Digest of the desired config (secret references, never secret values)."""
    canonical = json.dumps(
        [asdict(i) | {"source": None} for i in sorted(items, key=lambda i: i.name)],
        sort_keys=True,
        default=str,
    )
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


# --- mode transitions: (live mode, wanted mode) -> (target status, blocker) ---

TRANSITIONS: dict[tuple[str, str], tuple[str | None, str | None]] = {
    ("test", "live"): (ACTIVE, None),
    ("suspended", "live"): (ACTIVE, None),
    ("live", "suspended"): (SUSPENDED, None),
    ("test", "suspended"): (
        None,
        "cannot suspend an integration that never went live; keep `mode: test`",
    ),
    ("live", "test"): (
        None,
        "AWS has no way back to test mode once live; use `mode: suspended` to pause it",
    ),
    ("suspended", "test"): (
        None,
        "AWS has no way back to test mode once live; keep `mode: suspended` or go `live`",
    ),
}

# Fields whose change on a live integration can stop or start real purchasing or invoicing.
GO_LIVE_FIELDS = frozenset(
    {
        "production.instanceUrl",
        "production.sharedSecret",
        "production.buyer.domain",
        "production.buyer.identity",
        "production.supplier.domain",
        "production.supplier.identity",
        "punchout.enabled",
        "punchout.approvalRequestRedirectUrl",
        "einvoice.enabled",
        "purchaseOrderRetrieval.enabled",
    }
)
# Fields whose change on a validated preference sends AWS back to PENDING_VERIFICATION.
REVALIDATING_FIELDS = frozenset({"production.instanceUrl", "production.sharedSecret"})


@dataclass(frozen=True)
class _Facts:
    """What the go-live rules look at."""

    action: Action
    live_mode: str
    changed: frozenset[str]


# The go-live classification, in one place: (reason, predicate). Any match makes it go-live.
GO_LIVE_RULES: tuple[tuple[str, Callable[[_Facts], bool]], ...] = (
    ("changes the mode (test/live/suspended)", lambda f: f.action is Action.STATUS),
    (
        "replaces a live integration (delete + create stops it until validated again)",
        lambda f: f.action is Action.REPLACE and f.live_mode != "test",
    ),
    (
        "deletes a live integration",
        lambda f: f.action is Action.DELETE and f.live_mode != "test",
    ),
    (
        "changes a live integration's production endpoint, identities, secret or features",
        lambda f: (
            f.action is Action.UPDATE and f.live_mode != "test" and bool(f.changed & GO_LIVE_FIELDS)
        ),
    ),
)


def classify(
    action: Action, live_mode: str, changed: Iterable[str]
) -> tuple[Gate, tuple[str, ...]]:
    """routine or go-live, with the reasons of every go-live rule that matched."""
    facts = _Facts(action, live_mode, frozenset(changed))
    reasons = tuple(reason for reason, rule in GO_LIVE_RULES if rule(facts))
    return (Gate.GO_LIVE if reasons else Gate.ROUTINE), reasons


# --- readiness: named checks over the live statuses, for go-live status changes ---


def _enabled_features(item: Integration) -> tuple[str, ...]:
    flags = {
        "einvoice": item.einvoice.enabled,
        "purchaseOrderRetrieval": item.purchase_order_retrieval,
    }
    return tuple(f for f, on in flags.items() if on)


def _activation_check(item: Integration, today: date) -> Check | None:
    when = item.einvoice.activation_date
    if not item.einvoice.enabled or when is None:
        return None
    if when <= today:
        return Check("activation date reached", True, f"e-invoice activation date {when} has come")
    return Check("activation date reached", False, f"e-invoice activation date is {when} (later)")


def _activate_checks(
    item: Integration, live: LivePreference | None, today: date, revalidates: bool
) -> tuple[Check, ...]:
    if live is None:
        return (Check("exists in AWS", False, "created by this apply; validate and test it first"),)
    checks: list[Check] = []
    if revalidates:
        checks.append(
            Check(
                "endpoint unchanged",
                False,
                "this plan changes the production endpoint or secret: AWS will "
                "require validation and a connection test again",
            )
        )
    for feature in _enabled_features(item):
        label = FEATURE_LABELS[feature]
        status = live.status_of(feature)
        if status in (ACTIVE, SUSPENDED):
            checks.append(Check(f"{label} was live before", True, f"status {status}"))
            continue
        checks.append(
            Check(
                f"{label} endpoint validated",
                status not in (None, PENDING),
                f"status {status or 'unknown'}"
                + ("; run `coupa-gitops verify-endpoint`" if status == PENDING else ""),
            )
        )
        failed = status in (TEST_FAILED, TEST_INITIALIZATION_FAILED)
        checks.append(
            Check(
                f"{label} connection test passed",
                status == TEST_INITIALIZED,
                f"status {status or 'unknown'}"
                + ("; fix the Coupa side and rerun the connection test" if failed else ""),
            )
        )
    activation = _activation_check(item, today)
    if activation:
        checks.append(activation)
    return tuple(checks)


def _suspend_checks(item: Integration, live: LivePreference | None) -> tuple[Check, ...]:
    if live is None:
        return (Check("is live", False, "does not exist in AWS yet"),)
    return tuple(
        Check(
            f"{FEATURE_LABELS[f]} is live",
            live.status_of(f) in (ACTIVE, SUSPENDED),
            f"status {live.status_of(f) or 'unknown'}",
        )
        for f in _enabled_features(item)
    )


# --- the diff ---


def diff_fields(wanted: dict, live: dict, unresolved: frozenset[str]) -> tuple[FieldChange, ...]:
    """Field-level differences; secrets only as 'changed', unresolved secrets not compared."""
    out = []
    for path in wanted:
        if path in unresolved:
            continue
        before, after = live.get(path), wanted[path]
        if before == after:
            continue
        if path in SECRET_FIELDS:
            out.append(FieldChange(path, sensitive=True, immutable=False))
        else:
            out.append(FieldChange(path, before, after, immutable=path in IMMUTABLE))
    return tuple(out)


def diff_tags(item: Integration, live: LivePreference) -> tuple[FieldChange, ...]:
    wanted = dict(item.tags)
    have = {k: v for k, v in live.tags if not k.startswith(("coupa-gitops:", "aws:"))}
    return tuple(
        FieldChange(f"tags.{key}", have.get(key), wanted.get(key))
        for key in sorted(wanted.keys() | have.keys())
        if have.get(key) != wanted.get(key)
    )


def _unresolved(d: Desired) -> frozenset[str]:
    item, digests = d.integration, d.digests
    refs = {"production.sharedSecret": item.production.shared_secret}
    if item.test is not None:
        refs["test.sharedSecret"] = item.test.shared_secret
    return frozenset(path for path, ref in refs.items() if digests.get(ref) is None)


def _base(item: Integration, live: LivePreference | None) -> dict:
    return {
        "name": item.name,
        "account": item.account,
        "region": item.region,
        "source": item.source.file,
        "role_arn": item.role_arn,
        "arn": live.arn if live else None,
        "version": live.version if live else None,
    }


def _create(d: Desired, unmanaged: Sequence[LivePreference]) -> Change:
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
    return Change(
        **_base(item, None),
        action=Action.CREATE,
        gate=Gate.ROUTINE,
        fields=fields,
        mode_after="test",
        blockers=blockers,
    )


def _status(
    d: Desired, live: LivePreference | None, live_mode: str, today: date, revalidates: bool
) -> Change | None:
    item = d.integration
    wanted_mode = item.mode.value
    if wanted_mode == live_mode or not _enabled_features(item):
        return None  # punch-out-only integrations have no feature status, so no mode in AWS
    target, blocker = TRANSITIONS[(live_mode, wanted_mode)]
    if target == ACTIVE:
        readiness = _activate_checks(item, live, today, revalidates)
    elif target == SUSPENDED:
        readiness = _suspend_checks(item, live)
    else:
        readiness = ()
    gate, reasons = classify(Action.STATUS, live_mode, ())
    return Change(
        **_base(item, live),
        action=Action.STATUS,
        gate=gate,
        reasons=reasons,
        mode_before=live_mode,
        mode_after=wanted_mode,
        target_status=target,
        readiness=readiness,
        blockers=(blocker,) if blocker else (),
    )


def _changes_for(
    d: Desired, live: LivePreference | None, unmanaged: Sequence[LivePreference], today: date
) -> list[Change]:
    item = d.integration
    if live is None:
        created = _create(d, unmanaged)
        status = _status(d, None, "test", today, False)
        return [created] + ([status] if status else [])
    fields = diff_fields(desired_essence(item, d.digests), live.essence, _unresolved(d))
    tags = diff_tags(item, live)
    live_mode = live.live_mode
    changed = {f.path for f in fields}
    if changed & IMMUTABLE:
        gate, reasons = classify(Action.REPLACE, live_mode, changed)
        immutable = sorted(changed & IMMUTABLE)
        reasons = (f"immutable field changed: {', '.join(immutable)} (delete + create)", *reasons)
        replace = Change(
            **_base(item, live),
            action=Action.REPLACE,
            gate=gate,
            reasons=reasons,
            fields=fields + tags,
            mode_before=live_mode,
            mode_after="test",
        )
        status = _status(d, None, "test", today, True)
        return [replace] + ([status] if status else [])
    out: list[Change] = []
    revalidates = bool(changed & REVALIDATING_FIELDS) and live_mode != "test"
    if fields or tags:
        gate, reasons = classify(Action.UPDATE, live_mode, changed)
        if revalidates:
            reasons = (
                *reasons,
                "AWS sends e-invoice delivery and PO retrieval back to "
                "PENDING_VERIFICATION: they stop until validated and tested again",
            )
        out.append(
            Change(
                **_base(item, live),
                action=Action.UPDATE,
                gate=gate,
                reasons=reasons,
                fields=fields + tags,
                mode_before=live_mode,
                mode_after=live_mode,
            )
        )
    status = _status(d, live, "test" if revalidates else live_mode, today, revalidates)
    if status:
        out.append(status)
    if not out:
        out.append(
            Change(
                **_base(item, live),
                action=Action.NOOP,
                gate=Gate.ROUTINE,
                mode_before=live_mode,
                mode_after=live_mode,
            )
        )
    return out


def _delete(live: LivePreference) -> Change:
    gate, reasons = classify(Action.DELETE, live.live_mode, ())
    return Change(
        name=live.managed_name or "",
        account=live.account,
        region=live.region,
        role_arn=live.role_arn,
        action=Action.DELETE,
        gate=gate,
        arn=live.arn,
        version=live.version,
        reasons=("its config file is gone", *reasons),
        mode_before=live.live_mode,
    )


def make_plan(
    desired: Sequence[Desired],
    observed: Observed,
    *,
    today: date,
    prune: frozenset[str] | None = None,
    commit: str | None = None,
) -> Plan:
    """Diff the config against AWS. `prune`: names that may be deleted (None: any orphan)."""
    managed: dict[tuple[str, str], LivePreference] = {}
    unmanaged: list[LivePreference] = []
    notes: list[str] = []
    for pref in sorted(observed.preferences, key=lambda p: p.arn):
        if pref.managed_name is None:
            unmanaged.append(pref)
        elif (pref.account, pref.managed_name) in managed:
            notes.append(
                f"two preferences carry the tag coupa-gitops:name={pref.managed_name} "
                f"in account {pref.account}; {pref.arn} is ignored"
            )
        else:
            managed[(pref.account, pref.managed_name)] = pref
    changes: list[Change] = []
    wanted_keys = set()
    for d in sorted(desired, key=lambda d: d.integration.name):
        key = (d.integration.account, d.integration.name)
        wanted_keys.add(key)
        changes.extend(_changes_for(d, managed.get(key), unmanaged, today))
    for key, pref in sorted(managed.items()):
        if key not in wanted_keys and (prune is None or key[1] in prune):
            changes.append(_delete(pref))
    by_key = {
        (*d.integration.natural_key, d.integration.account): d.integration.name for d in desired
    }
    return Plan(
        changes=tuple(changes),
        unmanaged=tuple(
            Unmanaged(
                p.arn,
                p.account,
                p.buyer_identity,
                p.supplier_identity,
                by_key.get((*p.natural_key, p.account)),
            )
            for p in unmanaged
        ),
        config_digest=config_digest(d.integration for d in desired),
        commit=commit,
        today=today.isoformat(),
        notes=tuple(notes),
    )

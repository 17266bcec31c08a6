"""The Coupa provider's planner: the supplier and the commodities on each instance.

Pure: no I/O. It reads the desired state, what was read from Coupa and what the AWS side
exports (its live mode, its PO endpoints, its mode change), and plans `Change`s with
provider "coupa", kind "supplier" or "commodity" and scope the instance host, gated by the one
go-live table. It also says which AWS changes must wait for a Coupa change (`edges`):

* going live, the production supplier is activated before AWS's features go ACTIVE;
* suspending (or any move away from live), AWS is SUSPENDED before the supplier goes inactive;
* a supplier wired to an endpoint AWS creates in this apply waits for that create.

Coupa deletes nothing: a removed integration's supplier is left as it is (see the notes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from controller.config.model import Integration, Mode
from controller.engine.desired import Desired
from controller.engine.golive import Action, Facts, Gate, classify
from controller.engine.plan import Change, FieldChange, Unknown, gated
from controller.engine.provider import (
    NEW,
    STATUS_CHANGE,
    STATUS_MODE_AFTER,
    STATUS_READINESS,
    Exports,
    Later,
    key,
    po_endpoint_key,
)
from controller.engine.readiness import Check
from controller.providers.coupa.resources import (
    ACTIVE,
    LATER,
    PRODUCTION,
    SECRET_FIELDS,
    STATUS_FIELD,
    desired_supplier,
    endpoint,
    environments,
    is_ours,
)
from controller.providers.coupa.state import CoupaObserved, InstanceState

PROVIDER = "coupa"
SUPPLIER = "supplier"
COMMODITY = "commodity"

PUNCHOUT_NOTE = (
    "the Coupa punch-out site is set up by hand (Coupa documents no API for it): "
    "`coupa-gitops coupa-setup NAME` prints the values for its form"
)


@dataclass
class CoupaPlan:
    changes: list[Change] = field(default_factory=list)
    # AWS change key -> Coupa change keys it must run after
    edges: dict[str, tuple[str, ...]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Context:
    item: Integration
    before: Mode | None
    known: bool
    exports: Exports


def _gated(change: Change, ctx: _Context, table_action: Action | None = None) -> Change:
    return gated(change, Facts(table_action or change.action, ctx.before, ctx.item.mode, ctx.known))


def _change(
    ctx: _Context, inst: InstanceState, kind: str, action: Action, **extra: object
) -> Change:
    return Change(
        name=ctx.item.name,
        account=ctx.item.account,
        region=ctx.item.region,
        action=action,
        gate=Gate.ROUTINE,
        source=ctx.item.source.file,
        provider=PROVIDER,
        kind=kind,
        scope=inst.host,
        mode_before=ctx.before,
        mode_after=ctx.item.mode,
        **extra,  # type: ignore[arg-type]
    )


def _field(path: str, before: object, after: object) -> FieldChange:
    if path in SECRET_FIELDS:
        return FieldChange(f"supplier.{path}", sensitive=True)
    shown = LATER if isinstance(after, Later) else after
    return FieldChange(f"supplier.{path}", before, shown)


_CREDENTIALS = (
    "cxml-domain",
    "cxml-identity",
    "cxml-supplier-domain",
    "cxml-supplier-identity",
    "cxml-secret",
)


def readiness_checks(
    item: Integration,
    inst: InstanceState,
    live: Mapping[str, object] | None,
    wanted: Mapping[str, object],
) -> tuple[Check, ...]:
    """The Coupa side of a go-live checklist, as it will be once this apply ran."""

    def state(keys: Sequence[str]) -> str:
        if live is None:
            return "set when this apply creates the supplier"
        wrong = [k for k in keys if k in wanted and live.get(k) != wanted[k]]
        return f"{', '.join(wrong)} corrected by this apply" if wrong else "in place"

    url = wanted.get("cxml-url")
    missing = [c.name for _, c in inst.commodities if c.id is None or not c.active]
    checks = [
        Check(
            "Coupa supplier exists",
            True,
            f"{inst.host}: " + ("found by name" if live is not None else "created by this apply"),
        ),
        Check(
            "Coupa supplier wired to AWS's PO endpoint",
            bool(url),
            state(("po-method", "cxml-url")) if url else "AWS has no PO endpoint",
        ),
        Check("cXML credentials and shared secret match AWS", True, state(_CREDENTIALS)),
    ]
    if item.einvoice.enabled:
        checks.append(
            Check(
                "cXML invoicing allowed in Coupa",
                True,
                state(("allow-cxml-invoicing", "cxml-invoice-supplier-identity")),
            )
        )
    checks.append(
        Check(
            "UNSPSC commodities present in Coupa",
            True,
            f"{', '.join(missing)} created or activated by this apply" if missing else "in place",
        )
    )
    return tuple(checks)


def _supplier(d: Desired, ctx: _Context, inst: InstanceState, env: str, out: CoupaPlan) -> None:
    item = ctx.item
    assert item.coupa is not None
    where = endpoint(item, env)
    url = ctx.exports.get(po_endpoint_key(env))
    digest = d.digests.get(where.shared_secret)
    unknown: tuple[Unknown, ...] = ()
    if digest is None:
        why = dict(d.unreadable).get(where.shared_secret, "could not be read")
        unknown = (
            Unknown(
                f"coupa.{env}.supplier.cxml-secret",
                str(where.shared_secret),
                why,
                d.secrets_skipped,
            ),
        )
    wanted = desired_supplier(item, env, url, digest)
    compared = {k: v for k, v in wanted.items() if not (k in SECRET_FIELDS and digest is None)}
    after = (url.change,) if isinstance(url, Later) else ()
    blockers: tuple[str, ...] = ()
    if not url:
        blockers = (
            f"AWS has no PurchaseOrderRetrievalEndpoint for {env}: enable "
            "purchaseOrderRetrieval so the Coupa supplier has a PO URL",
        )
    live = inst.supplier_fields if inst.supplier is not None else None
    switch = env == PRODUCTION  # the production supplier's status follows the mode
    if live is None:
        # Created inactive on production; the status change activates it in its turn.
        body = {**compared, STATUS_FIELD: "inactive"} if switch else compared
        create = _change(
            ctx,
            inst,
            SUPPLIER,
            Action.CREATE,
            fields=(
                FieldChange("supplier.name", None, item.coupa.supplier.name),
                *(_field(k, None, v) for k, v in body.items() if v is not None),
            ),
            reasons=(f"no supplier named {item.coupa.supplier.name!r} in Coupa at {inst.host}",),
            blockers=blockers,
            unknown=unknown,
            after=after,
        )
        create = _gated(create, ctx, Action.UPDATE if ctx.before is not None else None)
        out.changes.append(create)
        if switch and wanted[STATUS_FIELD] == ACTIVE:
            checks = readiness_checks(item, inst, None, wanted)
            _status(ctx, inst, "inactive", (key(create),), out, checks)
        return
    if not is_ours(live, wanted) and not item.coupa.supplier.adopt:
        blocked = _change(
            ctx,
            inst,
            SUPPLIER,
            Action.UPDATE,
            reasons=(
                f"supplier {item.coupa.supplier.name!r} in Coupa at {inst.host} is not wired "
                "to this integration's cXML identities: someone else may use it",
            ),
            blockers=(
                "adopt it with `adopt: true` in spec.coupa.supplier (after checking nobody "
                "else orders through it), or choose another supplier name",
            ),
        )
        out.changes.append(_gated(blocked, ctx))
        return
    fields = tuple(
        _field(k, live.get(k), v)
        for k, v in compared.items()
        if live.get(k) != v and not (switch and k == STATUS_FIELD)
    )
    update_key: tuple[str, ...] = ()
    if fields or unknown:
        update = _change(
            ctx,
            inst,
            SUPPLIER,
            Action.UPDATE if fields else Action.NOOP,
            fields=fields,
            blockers=blockers if fields else (),
            unknown=unknown,
            after=after,
            arn=str(inst.supplier_id),
        )
        update = _gated(update, ctx)
        out.changes.append(update)
        update_key = (key(update),) if fields else ()
    if switch and live.get(STATUS_FIELD) != wanted[STATUS_FIELD]:
        checks = readiness_checks(item, inst, live, wanted)
        _status(ctx, inst, live.get(STATUS_FIELD), update_key, out, checks)


def _status(
    ctx: _Context,
    inst: InstanceState,
    now: object,
    after: tuple[str, ...],
    out: CoupaPlan,
    checks: tuple[Check, ...] = (),
) -> None:
    """The production supplier's status, switched in order with AWS's mode change."""
    if ctx.before is None and ctx.known:  # new: it starts inactive, as AWS starts in test
        ctx = replace(ctx, before=Mode.TEST)
    wanted = ACTIVE if ctx.item.mode is Mode.LIVE else "inactive"
    aws_status = ctx.exports.get(STATUS_CHANGE)
    readiness: tuple[Check, ...] = ()
    if wanted == ACTIVE:
        aws_ready = ctx.exports.get(STATUS_READINESS)
        readiness = (*(aws_ready if isinstance(aws_ready, tuple) else ()), *checks)
    elif isinstance(aws_status, str):
        after = (*after, aws_status)  # AWS stops sending first
    change = _change(
        ctx,
        inst,
        SUPPLIER,
        Action.STATUS,
        fields=(FieldChange(f"supplier.{STATUS_FIELD}", now, wanted),),
        target_status=wanted,
        readiness=readiness,
        after=after,
        reasons=(
            f"the production supplier is {now or 'without a status'}; {ctx.item.mode} "
            f"needs it {wanted}",
        ),
    )
    # Activating is a go-live; deactivating a test-mode integration's supplier is routine.
    table = (
        Action.STATUS
        if wanted == ACTIVE or ctx.before in (Mode.LIVE, Mode.SUSPENDED)
        else (Action.UPDATE)
    )
    change = _gated(change, ctx, table)
    out.changes.append(change)
    going_live = ctx.exports.get(STATUS_MODE_AFTER) is Mode.LIVE
    if wanted == ACTIVE and isinstance(aws_status, str) and going_live:
        out.edges[aws_status] = (*out.edges.get(aws_status, ()), key(change))


def _commodities(ctx: _Context, inst: InstanceState, out: CoupaPlan) -> None:
    for code, found in inst.commodities:
        if found.id is not None and found.active:
            continue
        action = Action.CREATE if found.id is None else Action.UPDATE
        change = _change(
            ctx,
            inst,
            COMMODITY,
            action,
            fields=(
                FieldChange(f"commodity.{code}.name", None, found.name)
                if found.id is None
                else FieldChange(f"commodity.{code}.active", False, True),
            ),
            arn=str(found.id) if found.id is not None else None,
            reasons=(
                f"UNSPSC {code} maps to {found.name!r}, which is "
                f"{'missing' if found.id is None else 'inactive'} at {inst.host}",
            ),
        )
        table = Action.UPDATE if action is Action.CREATE and ctx.before is not None else None
        out.changes.append(_gated(change, ctx, table))


def _unreadable(ctx: _Context, inst: InstanceState, out: CoupaPlan) -> None:
    out.changes.append(
        _change(
            ctx,
            inst,
            SUPPLIER,
            Action.NOOP,
            unknown=(
                Unknown(
                    f"coupa.{inst.environment}", inst.reference, inst.error or "", inst.skipped
                ),
            ),
        )
    )


def plan_removed(
    items: Sequence[Integration], observed: CoupaObserved, exports: Mapping[str, Exports]
) -> CoupaPlan:
    """Integrations whose file is gone: Coupa deletes nothing, so the production supplier is
    set inactive (after AWS's delete, when this plan deletes the preference); the test
    instance and the commodities are left as they are. Gated like a delete.
    """
    out = CoupaPlan()
    for item in sorted(items, key=lambda i: i.name):
        inst = observed.of(item.name, PRODUCTION)
        x = exports.get(item.name) or Exports(item.name, None)
        if inst is None or inst.error is not None or inst.supplier is None:
            continue
        now = inst.supplier_fields.get(STATUS_FIELD)
        if now == "inactive":
            continue
        deleted = x.get(STATUS_CHANGE)
        change = Change(
            name=item.name,
            account=item.account,
            region=item.region,
            action=Action.STATUS,
            gate=Gate.ROUTINE,
            source=item.source.file,
            provider=PROVIDER,
            kind=SUPPLIER,
            scope=inst.host,
            mode_before=x.mode,
            mode_after=None,
            target_status="inactive",
            arn=str(inst.supplier_id),  # the file is gone: the executor finds it by id
            fields=(FieldChange(f"supplier.{STATUS_FIELD}", now, "inactive"),),
            reasons=(
                "its config file is gone: Coupa deletes nothing, the supplier is set inactive",
            ),
            after=(deleted,) if isinstance(deleted, str) else (),
        )
        facts = Facts(Action.DELETE, x.mode, None, x.mode is not None or x.get(NEW) is True)
        gate, reasons = classify(facts)
        out.changes.append(replace(change, gate=gate, reasons=change.reasons + reasons))
    return out


def plan_coupa(
    desired: Sequence[Desired], observed: CoupaObserved, exports: Mapping[str, Exports]
) -> CoupaPlan:
    out = CoupaPlan()
    for d in sorted(desired, key=lambda d: d.integration.name):
        item = d.integration
        envs = environments(item)
        x = exports.get(item.name)
        if not envs or x is None:
            continue
        new = x.get(NEW) is True
        ctx = _Context(item, x.mode, new or x.mode is not None, x)
        for env in envs:
            inst = observed.of(item.name, env)
            if inst is None:
                continue
            if inst.error is not None:
                _unreadable(ctx, inst, out)
                continue
            _supplier(d, ctx, inst, env, out)
            _commodities(ctx, inst, out)
        if not out.notes:
            out.notes.append(PUNCHOUT_NOTE)
    return out

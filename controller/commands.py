"""What each reconciler command does: load -> observe -> plan -> render / apply.

The CLI calls these and maps their return values and errors to exit codes.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from controller import github, render, spec
from controller.errors import UserError
from controller.golive import Action
from controller.model import Integration, Mode, Role
from controller.plan import Plan, make_plan
from controller.state import Desired, Observed

PLAN_FILE_KIND = "coupa-gitops-plan"
DEFAULT_CONCURRENCY = 8  # AWS billing APIs throttle: more rarely helps, botocore backs off


def today():
    return datetime.now(UTC).date()


def head_commit(start: str | os.PathLike = ".") -> str | None:
    """The commit of the config checkout, or None outside git."""
    from controller import gitdiff

    return gitdiff.head_commit(start)


@dataclass(frozen=True)
class Scope:
    """Which integrations a run covers and which orphans it may delete (None: all)."""

    items: tuple[Integration, ...]
    prune: frozenset[str] | None
    # Integrations whose files are gone: read only to find where to look for their orphans.
    removed: tuple[Integration, ...] = ()


def _past(files: Iterable[tuple[str, str | None]], current: Iterable[Integration]) -> tuple:
    """Integrations of past file versions that live somewhere no current file points at.

    They are read only to know where to look: the orphan of a removed file, or the old
    preference of an integration whose file moved it to another account. A past version
    that was invalid has no readable account, so nothing can be found through it.
    """
    here = {(i.name, i.account, i.region, i.role_arn) for i in current}
    found: dict[tuple, Integration] = {}
    for path, text in files:
        try:
            item = spec.load_text(path, text) if text is not None else None
        except spec.ConfigError:
            continue
        if item is not None:
            key = (item.name, item.account, item.region, item.role_arn)
            if key not in here:
                found.setdefault(key, item)
    return tuple(found.values())


def load_scope(paths: list[str], changed_since: str | None = None) -> Scope:
    """Valid integrations under `paths` (a ConfigError lists every problem otherwise)."""
    from controller import gitdiff

    items = spec.load(paths).require_valid()
    if not changed_since:
        return Scope(items, None, _past(gitdiff.past_versions(paths), items))
    changes = gitdiff.changed_since(changed_since, paths)
    names = changes.names_in_scope(items)
    if names is None:
        return Scope(items, None, _past(gitdiff.past_versions(paths), items))
    # The base version of every file the change touched: where its preference is today.
    based = (*changes.modified, *changes.deleted, *(old for old, _ in changes.renamed))
    base = [(p, gitdiff.text_at(changes.base_commit, p, changes.root)) for p in based]
    in_scope = tuple(i for i in items if i.name in names)
    return Scope(in_scope, frozenset(names), _past(base, in_scope))


def scope_of_plan(paths: list[str], plan: Plan) -> Scope:
    """The scope a saved plan was made for, over today's files."""
    from controller import gitdiff

    items = spec.load(paths).require_valid()
    past = _past(gitdiff.past_versions(paths), items)
    if plan.scope is None:
        return Scope(items, None, past)
    names = frozenset(plan.scope)
    return Scope(tuple(i for i in items if i.name in names), names, past)


def sharded(scope: Scope, shard) -> Scope:
    """The part of `scope` in the accounts of `shard` (a Shard; None: all of it)."""
    if shard is None:
        return scope
    return Scope(
        tuple(i for i in scope.items if shard.holds(i.account)),
        scope.prune,
        # Past versions are read by their own account: an orphan is found by the shard reading it.
        tuple(i for i in scope.removed if shard.holds(i.account)),
    )


class Session:
    """One run's AWS access: clients, reader, secrets; every datum read once."""

    def __init__(
        self, role: Role, concurrency: int = DEFAULT_CONCURRENCY, read_secrets: bool = True
    ):
        from controller.live import Clients, Reader
        from controller.secrets import Secrets

        self.role = role
        self.clients = Clients(concurrency=concurrency)
        self.reader = Reader(self.clients)
        self.secrets = Secrets(self.clients, skip=not read_secrets, role=role)

    def target(self, item: Integration):
        """Where `item` lives, through this session's role."""
        from controller.live import Target

        return Target.of(item, self.role)

    def observe(self, items, removed=()) -> Observed:
        """Read every account the integrations (and removed ones) live in."""
        from controller.live import targets_of

        targets = targets_of(removed, self.role) | targets_of(items, self.role)
        return self.reader.observe(targets, names=targets)

    def desired(self, items) -> list[Desired]:
        return self.secrets.desired(items)

    def plan(self, scope: Scope, commit: str | None) -> Plan:
        return self.observe_and_plan(scope, commit)[1]

    def observe_and_plan(self, scope: Scope, commit: str | None) -> tuple[Observed, Plan]:
        observed = self.observe(scope.items, scope.removed)
        plan = make_plan(
            self.desired(scope.items), observed, today=today(), prune=scope.prune, commit=commit
        )
        return observed, plan


def write_plan_file(plan: Plan, path: str) -> None:
    doc = {"kind": PLAN_FILE_KIND, **plan.to_dict()}
    Path(path).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_plan_file(path: str) -> Plan:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        if doc.get("kind") != PLAN_FILE_KIND:
            raise ValueError("not a coupa-gitops plan file")
        return Plan.from_dict(doc)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"cannot read plan file {path}: {exc}") from None


def plan_command(
    paths: list[str],
    fmt: str = "text",
    out: str | None = None,
    changed_since: str | None = None,
    detailed_exitcode: bool = False,
    summary: bool = False,
    read_secrets: bool = True,
    concurrency: int = DEFAULT_CONCURRENCY,
    shard=None,
) -> int:
    scope = sharded(load_scope(paths, changed_since), shard)
    session = Session(Role.PLAN, concurrency=concurrency, read_secrets=read_secrets)
    plan = session.plan(scope, head_commit())
    sys.stdout.write(render.RENDERERS[fmt](plan, sys.stdout))
    if out:
        write_plan_file(plan, out)
        print(
            f"plan saved to {out}; apply it with: coupa-gitops apply --plan {out}", file=sys.stderr
        )
    if summary:
        github.write_step_summary(render.markdown(plan))
    return 2 if detailed_exitcode and plan.has_changes else 0


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise UserError(
            "apply needs --auto-approve or --plan FILE when not run interactively "
            "(as terraform apply does)"
        )
    answer = input("Apply these changes? Only 'yes' is accepted: ")
    if answer.strip() != "yes":
        raise UserError("apply cancelled; nothing was changed")


STALE = (
    "the plan is stale: the files or AWS changed since it was made, so it is not what was "
    "reviewed; nothing was changed: plan again"
)


def apply_command(
    paths: list[str],
    plan_file: str | None = None,
    auto_approve: bool = False,
    options=None,
    summary: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    shard=None,
) -> int:
    from controller.apply import Applier, ApplyFailed, Options, gate

    options = options or Options()
    saved = read_plan_file(plan_file) if plan_file else None
    scope = sharded(scope_of_plan(paths, saved) if saved else load_scope(paths), shard)
    role = Role.GO_LIVE if options.allow_go_live else Role.APPLY
    session = Session(role, concurrency=concurrency)
    commit = head_commit()
    # A saved plan grants nothing: the fresh plan is what runs, and only if it is the same.
    plan = session.plan(scope, commit)
    sys.stdout.write(render.text(plan, sys.stdout))
    if saved is not None and plan.comparable() != saved.comparable():
        raise UserError(STALE)
    if not plan.has_changes:
        return 0
    if saved is None and not auto_approve:
        _confirm()
    gated = gate(plan, options)
    by_name = {i.name: i for i in scope.items}
    applier = Applier(session.clients.call, session.target, session.secrets, by_name, commit)
    print(f"Applying {len(gated.runnable)} change(s)...")
    try:
        report = applier.run(gated, print)
    except ApplyFailed as exc:
        if summary:
            from controller.secrets import redact

            failed = redact(str(exc))
            github.write_step_summary(f"### coupa-gitops apply failed\n\n```\n{failed}\n```")
        raise
    lines = [f"Apply complete: {len(report.done)} change(s) done."]
    if report.pending:
        lines.append("Pending go-live (needs approval in the go-live job):")
        lines += [f"  - {p}" for p in report.pending]
    print("\n".join(lines))
    if summary:
        done = "\n".join(f"- {d}" for d in report.done) or "- nothing to do"
        pending = "\n".join(f"- {p}" for p in report.pending)
        github.write_step_summary(
            "### coupa-gitops apply\n\n"
            + done
            + (f"\n\n**Pending go-live:**\n{pending}" if pending else "")
        )
    return 0


def _short(commit: str | None) -> str:
    return commit[:10] if commit else "-"


def status_rows(items, observed: Observed, plan: Plan) -> list[list[str]]:
    """One row per integration: wanted mode, live statuses, last commit, drift."""
    live = {(p.account, p.managed_name): p for p in observed.preferences if p.managed_name}
    drifted = {c.name for c in plan.actionable} | {c.name for c, _ in plan.unknown}
    rows = [["NAME", "ACCOUNT", "WANTED", "LIVE", "E-INVOICE", "PO RETRIEVAL", "COMMIT", "DRIFT"]]
    for item in sorted(items, key=lambda i: i.name):
        pref = live.get((item.account, item.name))
        if pref is None:
            rows.append(
                [item.name, item.account, item.mode.value, "(not created)", "-", "-", "-", "yes"]
            )
            continue
        rows.append(
            [
                item.name,
                item.account,
                item.mode.value,
                pref.live_mode or "unknown",
                pref.status_of("einvoice") or "off",
                pref.status_of("purchaseOrderRetrieval") or "off",
                _short(pref.last_commit),
                "yes" if item.name in drifted else "no",
            ]
        )
    return rows


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return (
        "\n".join(
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
        )
        + "\n"
    )


def status_command(paths: list[str], shard=None) -> int:
    scope = sharded(load_scope(paths), shard)
    observed, plan = Session(Role.PLAN).observe_and_plan(scope, head_commit())
    sys.stdout.write(table(status_rows(scope.items, observed, plan)))
    orphans = [c for c in plan.actionable if c.action is Action.DELETE]
    for change in orphans:
        print(f"orphan: {change.arn} is tagged {change.name} but has no config file")
    if plan.unmanaged:
        print("unmanaged (no coupa-gitops:name tag; never changed):")
        for u in plan.unmanaged:
            hint = (
                f"  -> coupa-gitops import {u.adoptable_by} --arn {u.arn}" if u.adoptable_by else ""
            )
            print(f"  {u.arn} buyer {u.buyer_identity} supplier {u.supplier_identity}{hint}")
    return 0


def _find(paths: list[str], name: str):
    items = spec.load(paths).require_valid()
    for item in items:
        if item.name == name:
            return item
    known = ", ".join(i.name for i in items) or "none"
    raise UserError(f"no integration named {name!r} under {', '.join(paths)} (known: {known})")


def _managed(session: Session, item):
    observed = session.observe([item])
    for pref in observed.preferences:
        if pref.managed_name == item.name and pref.account == item.account:
            return pref, observed
    raise UserError(f"{item.name} does not exist in AWS yet: run `coupa-gitops apply` first")


def verify_endpoint_command(paths: list[str], name: str, code: str | None) -> int:
    item = _find(paths, name)
    # The handshake writes to the preference: a live one only with the go-live role.
    session = Session(Role.APPLY if item.mode is Mode.TEST else Role.GO_LIVE)
    pref, _ = _managed(session, item)
    target = session.target(item)
    if code is None:
        session.clients.call(
            target,
            "invoicing",
            "SendProcurementPortalValidation",
            ProcurementPortalPreferenceArn=pref.arn,
            # No fixed ClientToken: running this again must send a new code (the first one may
            # be lost); botocore fills a fresh token per call and reuses it on its own retries.
        )
        print(f"Validation code sent for {name} ({item.production.instance_url}).")
        print("Your Coupa administrator receives it; complete the handshake with:")
        print(f"  coupa-gitops verify-endpoint {name} --code CODE")
        return 0
    session.clients.call(
        target,
        "invoicing",
        "VerifyProcurementPortalValidation",
        ProcurementPortalPreferenceArn=pref.arn,
        Code=code,
        # No fixed ClientToken: a token over the code would let anyone who reads CloudTrail
        # test guesses of it offline, and a retry with a corrected code must go through.
    )
    print(f"Endpoint of {name} verified. Next: the connection test, then a go-live plan.")
    return 0


def import_command(paths: list[str], name: str, arn: str) -> int:
    from controller.translate import COMMIT_TAG, MODE_TAG, NAME_TAG

    item = _find(paths, name)
    # Adopting writes tags on a preference we know nothing about: the go-live role's work.
    session = Session(Role.GO_LIVE)
    observed = session.observe([item])
    pref = next((p for p in observed.preferences if p.arn == arn), None)
    if pref is None:
        raise UserError(f"{arn} is not a procurement portal preference of account {item.account}")
    if pref.managed_name == name:
        print(f"{arn} is already managed as {name}; nothing to do")
        return 0
    if pref.managed_name:
        raise UserError(f"{arn} is already managed as {pref.managed_name}, not {name}")
    if pref.natural_key != item.natural_key:
        raise UserError(
            f"{arn} is for buyer {pref.buyer_identity} and supplier {pref.supplier_identity}, "
            f"but {name} declares buyer {item.production.buyer.identity} and supplier "
            f"{item.production.supplier.identity}: it is not the same integration"
        )
    tags = [{"Key": NAME_TAG, "Value": name}]
    if pref.status_mode is not None:
        # What its statuses say; without any (punch-out only) a go-live records the mode.
        tags.append({"Key": MODE_TAG, "Value": str(pref.status_mode)})
    commit = head_commit()
    if commit:
        tags.append({"Key": COMMIT_TAG, "Value": commit})
    session.clients.call(
        session.target(item), "invoicing", "TagResource", ResourceArn=arn, ResourceTags=tags
    )
    print(f"imported {arn} as {name}; run `coupa-gitops plan` to see how it differs")
    return 0


def iam_policy_command(
    role: str,
    paths: list[str],
    *,
    account: str | None = None,
    trust: str | None = None,
    trust_account: str | None = None,
) -> int:
    """Print a role's permission policy (or trust policy) as JSON; reads no AWS."""
    from controller import iampolicy

    # Trust policies do not depend on the config: they need no valid config/.
    items = () if trust or trust_account else spec.load(paths).require_valid()
    doc = iampolicy.document(
        iampolicy.role_of(role), items, account=account, trust=trust, trust_account=trust_account
    )
    print(json.dumps(doc, indent=2, sort_keys=True))
    return 0

"""What each reconciler command does: load -> observe -> plan -> render / apply.

The CLI calls these and maps their return values and errors to exit codes.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from controller import config, render
from controller.config.model import Integration, Mode, Role
from controller.engine.desired import Desired
from controller.engine.golive import Action, Gate
from controller.engine.plan import Plan
from controller.engine.windows import Window
from controller.errors import BlockedError, UserError
from controller.gitops import github
from controller.providers.aws.planner import make_plan
from controller.providers.aws.state import Observed
from controller.render import escape as esc

PLAN_FILE_KIND = "coupa-gitops-plan"
DEFAULT_CONCURRENCY = 8  # AWS billing APIs throttle: more rarely helps, botocore backs off


def now() -> datetime:
    """The real clock: apply evaluates change windows at it, and nothing moves it."""
    return datetime.now(UTC)


def today():
    return now().date()


def head_commit(start: str | os.PathLike = ".") -> str | None:
    """The commit of the config checkout, or None outside git."""
    from controller.gitops import gitdiff

    return gitdiff.head_commit(start)


@dataclass(frozen=True)
class Scope:
    """Which integrations a run covers and which orphans it may delete (None: all)."""

    items: tuple[Integration, ...]
    prune: frozenset[str] | None
    # Integrations whose files are gone: read only to find where to look for their orphans.
    removed: tuple[Integration, ...] = ()
    windows: tuple[Window, ...] = ()  # every deny window of every ChangeWindows file


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
            item = config.load_text(path, text) if text is not None else None
        except config.ConfigError:
            continue
        if isinstance(item, Integration):  # a ChangeWindows file lives nowhere in AWS
            key = (item.name, item.account, item.region, item.role_arn)
            if key not in here:
                found.setdefault(key, item)
    return tuple(found.values())


def load_scope(paths: list[str], changed_since: str | None = None) -> Scope:
    """Valid integrations under `paths` (a ConfigError lists every problem otherwise)."""
    from controller.gitops import gitdiff

    loaded = config.load(paths)
    items, windows = loaded.require_valid(), loaded.windows
    if not changed_since:
        return Scope(items, None, _past(gitdiff.past_versions(paths), items), windows)
    changes = gitdiff.changed_since(changed_since, paths)
    names = changes.names_in_scope(items)
    if names is None:
        return Scope(items, None, _past(gitdiff.past_versions(paths), items), windows)
    # The base version of every file the change touched: where its preference is today.
    based = (*changes.modified, *changes.deleted, *(old for old, _ in changes.renamed))
    base = [(p, gitdiff.text_at(changes.base_commit, p, changes.root)) for p in based]
    in_scope = tuple(i for i in items if i.name in names)
    return Scope(in_scope, frozenset(names), _past(base, in_scope), windows)


def scope_of_plan(paths: list[str], plan: Plan) -> Scope:
    """The scope a saved plan was made for, over today's files."""
    from controller.gitops import gitdiff

    loaded = config.load(paths)
    items, windows = loaded.require_valid(), loaded.windows
    past = _past(gitdiff.past_versions(paths), items)
    if plan.scope is None:
        return Scope(items, None, past, windows)
    names = frozenset(plan.scope)
    return Scope(tuple(i for i in items if i.name in names), names, past, windows)


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
        from controller.providers.aws.live import Clients, Reader
        from controller.secrets import Secrets

        self.role = role
        self.clients = Clients(concurrency=concurrency)
        self.reader = Reader(self.clients)
        self.secrets = Secrets(self.clients, skip=not read_secrets, role=role)

    def target(self, item: Integration):
        """Where `item` lives, through this session's role."""
        from controller.providers.aws.live import Target

        return Target.of(item, self.role)

    def observe(self, items, removed=()) -> Observed:
        """Read every account the integrations (and removed ones) live in."""
        from controller.providers.aws.live import targets_of

        targets = targets_of(removed, self.role) | targets_of(items, self.role)
        return self.reader.observe(targets, names=targets)

    def desired(self, items) -> list[Desired]:
        return self.secrets.desired(items)

    def plan(self, scope: Scope, commit: str | None, at: datetime | None = None) -> Plan:
        return self.observe_and_plan(scope, commit, at)[1]

    def observe_and_plan(
        self, scope: Scope, commit: str | None, at: datetime | None = None
    ) -> tuple[Observed, Plan]:
        """Observe and plan; change windows at `at` (a what-if for `plan --at`), else now."""
        observed = self.observe(scope.items, scope.removed)
        moment = at or now()
        plan = make_plan(
            self.desired(scope.items),
            observed,
            today=moment.date(),
            prune=scope.prune,
            commit=commit,
            now=moment,
            windows=scope.windows,
        )
        return observed, plan


def write_plan_file(plan: Plan, path: str) -> None:
    doc = {"kind": PLAN_FILE_KIND, **plan.to_dict()}
    Path(path).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_plan_file(path: str) -> Plan:
    """The saved plan at `path`; a UserError saying what is wrong with it otherwise."""
    from controller.engine import planfile

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read plan file {path}: {exc}") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise UserError(
            f"{path} is not JSON ({exc}); a plan file is what `plan --out` writes"
        ) from None
    if not isinstance(doc, dict) or doc.get("kind") != PLAN_FILE_KIND:
        raise UserError(
            f'{path} is not a coupa-gitops plan file (no "kind": "{PLAN_FILE_KIND}"); '
            "make one with `coupa-gitops plan --out FILE`"
        )
    planfile.check(path, doc)
    try:
        return Plan.from_dict(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"cannot read plan file {path}: {exc}") from None


def check_plan_names(path: str, plan: Plan, items: Iterable[Integration]) -> None:
    """A saved plan may only change integrations a file declares (deletes name orphans)."""
    known = {i.name for i in items}
    ghosts = sorted({c.name for c in plan.actionable if c.action is not Action.DELETE} - known)
    if ghosts:
        raise UserError(
            f"{path} changes {', '.join(map(repr, ghosts))}, which no config file declares; "
            "nothing was changed: plan again with `coupa-gitops plan --out FILE`"
        )


def plan_command(
    paths: list[str],
    fmt: str = "text",
    out: str | None = None,
    changed_since: str | None = None,
    detailed_exitcode: bool = False,
    summary: bool = False,
    read_secrets: bool = True,
    at: datetime | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    shard=None,
) -> int:
    scope = sharded(load_scope(paths, changed_since), shard)
    session = Session(Role.PLAN, concurrency=concurrency, read_secrets=read_secrets)
    plan = session.plan(scope, head_commit(), at)
    sys.stdout.write(render.RENDERERS[fmt](plan, sys.stdout))
    if out:
        write_plan_file(plan, out)
        print(
            f"plan saved to {out}; apply it with: coupa-gitops apply --plan {out}", file=sys.stderr
        )
    if summary:
        github.write_step_summary(render.markdown(plan, render.SUMMARY_BUDGET, render.SUMMARY_REST))
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
    reason: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    shard=None,
) -> int:
    from controller.engine import audit
    from controller.engine.execute import ApplyFailed
    from controller.engine.requirements import Options, gate
    from controller.providers.aws.apply import Applier

    options = options or Options()
    overrides = _overrides(options, reason)
    saved = read_plan_file(plan_file) if plan_file else None
    scope = sharded(scope_of_plan(paths, saved) if saved else load_scope(paths), shard)
    if saved is not None:
        check_plan_names(plan_file, saved, config.load(paths).require_valid())
    _known_windows(options.override_windows, scope.windows)
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
    try:
        gated = gate(plan, options)
    except BlockedError as exc:
        if summary:  # the go-live job's page says why nothing ran
            github.write_step_summary(f"### coupa-gitops apply: blocked\n\n```\n{exc}\n```")
        raise
    by_name = {i.name: i for i in scope.items}
    used = {w for _, names in gated.overridden for w in names}
    unused = [w for w in options.override_windows if w not in used]
    if unused:
        print(f"note: no change held back by {', '.join(unused)} now: nothing overridden there")
    record = (
        audit.record(os.environ, now(), commit, tuple(o for o in overrides if o.window in used))
        if options.allow_go_live
        else None
    )
    applier = Applier(
        session.clients.call, session.target, session.secrets, by_name, commit, record
    )
    print(f"Applying {len(gated.runnable)} change(s)...")
    try:
        report = applier.run(gated, _say)
    except ApplyFailed as exc:
        if summary:
            from controller.secrets import redact

            failed = redact(str(exc)).split("\n")
            github.write_step_summary(
                "\n".join(["### coupa-gitops apply failed", "", *esc.fence(failed)])
            )
        raise
    lines = [f"Apply complete: {len(report.done)} change(s) done."]
    for heading, items in _left_over(report):
        lines.append(f"{heading}:")
        lines += [f"  - {p}" for p in items]
    _say("\n".join(lines))
    if summary:
        done = "\n".join(f"- {esc.markdown(d)}" for d in report.done) or "- nothing to do"
        left = "".join(
            f"\n\n**{heading}:**\n" + "\n".join(f"- {esc.markdown(p)}" for p in items)
            for heading, items in _left_over(report)
        )
        ran_go_live = [c for c in gated.runnable if c.gate is Gate.GO_LIVE]
        github.write_step_summary(
            "### coupa-gitops apply\n\n"
            + done
            + left
            + (f"\n\n{render.go_live_markdown(plan, ran_go_live)}" if ran_go_live else "")
            + (f"\n{record.markdown()}" if ran_go_live and record else "")
        )
    return 0


WAITING = (
    "Approved, but waits for validation and a connection test again "
    "(coupa-gitops verify-endpoint NAME, the connection test, then apply again)"
)


def _left_over(report) -> list[tuple[str, list[str]]]:
    """What apply did not do, by why: no approval yet, or AWS wants the endpoint proven."""
    groups = [
        ("Pending go-live (needs approval in the go-live job)", report.pending),
        (WAITING, report.waiting),
    ]
    return [(heading, items) for heading, items in groups if items]


def _say(text: str) -> None:
    """Print our own (possibly multi-line) message with every value in it made log-safe."""
    print(esc.terminal(text, keep_newlines=True), flush=True)


def _overrides(options, reason: str | None) -> tuple:
    """The window overrides asked for, each with the checked reason."""
    from controller.engine.audit import Override, check_reason

    if not options.override_windows:
        if reason is not None:
            raise UserError("--reason goes with --override-window NAME")
        return ()
    if not options.allow_go_live:
        raise UserError(
            "--override-window is for the approved go-live job: it needs --allow-go-live"
        )
    text = check_reason(reason)
    return tuple(Override(name, text) for name in options.override_windows)


def _known_windows(names: Iterable[str], windows: Iterable[Window]) -> None:
    """Every --override-window names a window of a ChangeWindows file."""
    import difflib

    known = sorted({w.name for w in windows})
    for name in names:
        if name not in known:
            match = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{match[0]}'?" if match else ""
            listed = ", ".join(f"'{k}'" for k in known) or "none"
            raise UserError(
                f"--override-window '{name}' is not a change window (known: {listed}){hint}"
            )


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


def record_lines(items, observed: Observed) -> list[str]:
    """The last approved go-live of each integration, as its tags record it."""
    from controller.engine.audit import (
        GO_LIVE_AT_TAG,
        GO_LIVE_BY_TAG,
        GO_LIVE_RUN_TAG,
        OVERRIDE_TAG,
    )

    live = {(p.account, p.managed_name): p for p in observed.preferences if p.managed_name}
    lines = []
    for item in sorted(items, key=lambda i: i.name):
        pref = live.get((item.account, item.name))
        tags = dict(pref.tags) if pref else {}
        if GO_LIVE_AT_TAG not in tags:
            continue
        line = (
            f"{item.name}: last go-live {tags[GO_LIVE_AT_TAG]} by {tags.get(GO_LIVE_BY_TAG, '?')}"
            f" at commit {_short(pref.last_commit)}"
        )
        if GO_LIVE_RUN_TAG in tags:
            line += f" ({tags[GO_LIVE_RUN_TAG]})"
        if OVERRIDE_TAG in tags:
            line += f"; last window override: {tags[OVERRIDE_TAG]}"
        lines.append(line)
    return lines


def table(rows: list[list[str]]) -> str:
    """Aligned columns; every cell shown escaped (a live tag value may hold anything)."""
    rows = [[esc.terminal(cell) for cell in row] for row in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return (
        "\n".join(
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
        )
        + "\n"
    )


STATUS_KEYS = ("name", "account", "wanted", "live", "einvoice", "purchaseOrderRetrieval")


def status_json(items, observed: Observed, plan: Plan) -> str:
    """The status as JSON: the table's rows with stable keys, orphans and unmanaged ARNs."""
    rows = status_rows(items, observed, plan)[1:]
    live = {(p.account, p.managed_name): p for p in observed.preferences if p.managed_name}
    integrations = []
    for item, row in zip(sorted(items, key=lambda i: i.name), rows, strict=True):
        pref = live.get((item.account, item.name))
        entry = dict(zip(STATUS_KEYS, row, strict=False))
        entry |= {
            "arn": pref.arn if pref else None,
            "commit": pref.last_commit if pref else None,
            "drift": row[-1] == "yes",
        }
        integrations.append(entry)
    doc = {
        "integrations": integrations,
        "orphans": [
            {"arn": c.arn, "name": c.name} for c in plan.actionable if c.action is Action.DELETE
        ],
        "unmanaged": [asdict(u) for u in plan.unmanaged],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def status_command(paths: list[str], fmt: str = "text", shard=None) -> int:
    scope = sharded(load_scope(paths), shard)
    observed, plan = Session(Role.PLAN).observe_and_plan(scope, head_commit())
    if fmt == "json":
        sys.stdout.write(status_json(scope.items, observed, plan))
        return 0
    sys.stdout.write(table(status_rows(scope.items, observed, plan)))
    for line in record_lines(scope.items, observed):
        print(line)
    orphans = [c for c in plan.actionable if c.action is Action.DELETE]
    for change in orphans:
        _say(f"orphan: {change.arn} is tagged {esc.visible(change.name)} but has no config file")
    if plan.unmanaged:
        print("unmanaged (no coupa-gitops:name tag; never changed):")
        for u in plan.unmanaged:
            hint = (
                f"  -> coupa-gitops import {u.adoptable_by} --arn {u.arn}" if u.adoptable_by else ""
            )
            _say(f"  {u.arn} buyer {u.buyer_identity} supplier {u.supplier_identity}{hint}")
    return 0


def _find(paths: list[str], name: str):
    items = config.load(paths).require_valid()
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
    from controller.providers.aws.translate import COMMIT_TAG, MODE_TAG, NAME_TAG

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
    from controller.providers.aws import iampolicy

    # Trust policies do not depend on the config: they need no valid config/.
    items = () if trust or trust_account else config.load(paths).require_valid()
    doc = iampolicy.document(
        iampolicy.role_of(role), items, account=account, trust=trust, trust_account=trust_account
    )
    print(json.dumps(doc, indent=2, sort_keys=True))
    return 0

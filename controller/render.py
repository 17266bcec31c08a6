"""Three views of one Plan: text (terminal), markdown (PR comment), json (machines).

Renderers only read the Plan; nothing shown here feeds back into apply.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable

from controller import reviewer
from controller.plan import Action, Change, Check, FieldChange, Plan

GITHUB_COMMENT_LIMIT = 65_536
MARKDOWN_BUDGET = 60_000  # leave room for the sticky-comment header and the truncation note

SYMBOL = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.STATUS: "*",
    Action.NOOP: " ",
}
COLOUR = {
    Action.CREATE: "32",
    Action.UPDATE: "33",
    Action.REPLACE: "35",
    Action.DELETE: "31",
    Action.STATUS: "36",
}


def _value(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, str) else str(value)


def field_line(change: FieldChange, *, creating: bool = False) -> str:
    """One field as `path: before -> after`; a new resource's fields as `path: value`."""
    if change.sensitive:
        return f"{change.path}: (sensitive value {'set' if creating else 'changed'})"
    suffix = "   # forces replacement" if change.immutable else ""
    if creating:
        return f"{change.path}: {_value(change.after)}{suffix}"
    if change.after is None:
        return f"{change.path}: {_value(change.before)} -> (removed){suffix}"
    return f"{change.path}: {_value(change.before)} -> {_value(change.after)}{suffix}"


def title(change: Change) -> str:
    if change.action is Action.STATUS and change.mode_before is change.mode_after:
        return f"{change.name}: restore mode {change.mode_after}"
    if change.action is Action.STATUS:
        return f"{change.name}: mode {change.mode_before or 'unknown'} -> {change.mode_after}"
    return f"{change.name}: {change.action.value}"


def unknown_lines(plan: Plan) -> list[str]:
    """What the plan could not compare: apply refuses until it can be read."""
    lines = [
        f"{c.name}: {u.path} ({u.reference}) is unknown: {u.reason}"
        for c, u in plan.unknown
        if not u.skipped
    ]
    skipped = sum(u.skipped for _, u in plan.unknown)
    if skipped:
        lines.append(
            f"{skipped} secret(s) not read on purpose (--no-secrets): not compared, so this "
            "plan cannot be applied; apply plans again with the secrets"
        )
    return lines


def duplicate_lines(plan: Plan) -> list[str]:
    return [
        f"{d.arn} also carries the name {d.name} (kept: {d.kept}); {d.remedy}"
        for d in plan.duplicates
    ]


def summary(plan: Plan) -> str:
    """One line: what the plan does, go-live first."""
    counts = plan.counts()
    unknown = f" {len(plan.unknown)} value(s) not read: not applyable." * bool(plan.unknown)
    if not plan.actionable:
        if plan.has_changes:
            return f"Cannot tell whether anything changed:{unknown}"
        return f"No changes. {counts['no-op']} integration(s) match AWS."
    labels = {
        "create": "to create",
        "update": "to update",
        "replace": "to replace",
        "delete": "to delete",
        "status": "mode change(s)",
    }
    parts = [f"{counts[action]} {label}" for action, label in labels.items() if counts[action]]
    go_live = len(plan.go_live)
    lead = f"{go_live} GO-LIVE change(s) need approval; " if go_live else ""
    return f"Plan: {lead}{', '.join(parts)}; {counts['no-op']} unchanged.{unknown}"


def verdict(change: Change) -> str:
    if not change.readiness:
        return "ready"
    return "READY" if change.ready else "NOT READY"


# --- text ---


def _use_colour(stream) -> bool:
    return hasattr(stream, "isatty") and stream.isatty() and "NO_COLOR" not in os.environ


def _paint(text: str, code: str | None, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour and code else text


def _text_change(change: Change, colour: bool) -> Iterable[str]:
    head = f"  {SYMBOL[change.action]} {title(change)}  [account {change.account}]"
    yield _paint(head, COLOUR.get(change.action), colour)
    for reason in change.reasons:
        yield f"      why: {reason}"
    for blocker in change.blockers:
        yield _paint(f"      BLOCKED: {blocker}", "31", colour)
    for window in change.windows:
        yield _paint(f"      WINDOW: {reviewer.window_sentence(window)}", "31", colour)
    if change.windows:
        yield f"      {reviewer.allowed_sentence(change)}"
    if change.readiness:
        yield f"      readiness: {verdict(change)}"
        for check in change.readiness:
            yield f"        [{'x' if check.ok else ' '}] {check.name}: {check.detail}"
    for f in change.fields:
        yield f"      {field_line(f, creating=change.action is Action.CREATE)}"


def text(plan: Plan, stream=None) -> str:
    colour = _use_colour(stream)
    lines = [summary(plan)]
    if plan.go_live:
        lines += [
            "",
            _paint("GO-LIVE (needs --allow-go-live, i.e. an approved apply):", "1;31", colour),
        ]
        for change in plan.go_live:
            lines += _text_change(change, colour)
    if plan.routine:
        lines += ["", "Routine:"]
        for change in plan.routine:
            lines += _text_change(change, colour)
    if plan.unmanaged:
        lines += ["", "Unmanaged preferences (no coupa-gitops:name tag; never changed):"]
        for u in plan.unmanaged:
            hint = (
                f"; adopt: coupa-gitops import {u.adoptable_by} --arn {u.arn}"
                if u.adoptable_by
                else ""
            )
            lines.append(
                f"  {u.arn} (buyer {u.buyer_identity}, supplier {u.supplier_identity}){hint}"
            )
    if plan.unknown:
        lines += ["", "Unknown (apply refuses until these can be read):"]
        lines += [f"  ? {line}" for line in unknown_lines(plan)]
    if plan.duplicates:
        lines += ["", "Duplicate managed preferences (never changed):"]
        lines += [f"  ! {line}" for line in duplicate_lines(plan)]
    lines += [f"note: {n}" for n in plan.notes]
    if any(c.windows for c in plan.changes):
        lines.append(f"note: change windows as of {_at(plan)}")
    return "\n".join(lines) + "\n"


def _at(plan: Plan) -> str:
    return reviewer.when(plan.at, "UTC") if plan.at else "now"


# --- markdown ---


def _md_checklist(checks: Iterable[Check]) -> str:
    return "\n".join(f"- [{'x' if c.ok else ' '}] **{c.name}**: {c.detail}" for c in checks)


def _md_details(change: Change) -> str:
    body = [
        f"<details><summary><code>{SYMBOL[change.action]} {title(change)}</code>"
        f" ({len(change.fields)} field(s), <code>{change.source or change.arn}</code>)"
        "</summary>",
        "",
    ]
    if change.reasons:
        body += [f"- {r}" for r in change.reasons] + [""]
    if change.blockers:
        body += [f"- :no_entry: **blocked**: {b}" for b in change.blockers] + [""]
    if change.fields:
        body += ["```diff"]
        marker = {Action.CREATE: "+", Action.DELETE: "-"}.get(change.action, "!")
        creating = change.action is Action.CREATE
        body += [f"{marker} {field_line(f, creating=creating)}" for f in change.fields]
        body += ["```"]
    body += ["", "</details>", ""]
    return "\n".join(body)


def _md_windows(change: Change, plan: Plan) -> list[str]:
    head = f"**Change windows** (as of {_at(plan)})"
    if not change.windows:
        return [head, "", f"- :white_check_mark: {reviewer.allowed_sentence(change)}"]
    lines = [f"- :no_entry: {reviewer.window_sentence(w)}" for w in change.windows]
    return [head, "", *lines, f"- {reviewer.allowed_sentence(change)}"]


def go_live_block(change: Change, plan: Plan) -> str:
    """One go-live as the reviewer reads it: the sentence, readiness, windows, details folded."""
    what = title(change).split(": ", 1)[1]
    body = [f"#### {reviewer.display_name(change.name)} (`{change.name}`) — {what}", ""]
    if change.sentence:
        body += [f"**{change.sentence}**", ""]
    if change.readiness:
        body += [f"**Readiness**: {verdict(change)}", "", _md_checklist(change.readiness), ""]
    body += [*_md_windows(change, plan), ""]
    if change.fields or change.reasons or change.blockers:
        body.append(_md_details(change))
    return "\n".join(body) + "\n"


def go_live_markdown(plan: Plan, changes: Iterable[Change]) -> str:
    """The go-live changes alone, as in the PR comment (the go-live job's summary)."""
    changes = list(changes)
    lead = [f"- {c.sentence}" for c in changes if c.sentence]
    return "\n".join(["### Go-live", "", *lead, "", *(go_live_block(c, plan) for c in changes)])


def markdown(plan: Plan, budget: int = MARKDOWN_BUDGET) -> str:
    """The PR comment: summary line first, go-live first, details folded, size-limited."""
    out = [f"**coupa-gitops plan** — {summary(plan)}", ""]
    if plan.go_live:
        out += [
            "### :warning: Go-live: these start or stop real purchasing or invoicing",
            "",
            "They run only after a reviewer approves the `go-live` environment.",
            "",
            "| Integration | Change | Account | Readiness |",
            "|---|---|---|---|",
        ]
        size = sum(len(line) + 1 for line in out)
        for index, c in enumerate(plan.go_live):
            mark = ":white_check_mark: ready" if c.ready else ":x: **not ready**"
            if c.windows:  # ready or not, a window holds it back now
                mark += f" · :no_entry: held back by “{c.windows[0].name}”"
            what = title(c).split(": ", 1)[1]
            row = f"| `{c.name}` | {what} | {c.account} | {mark} |"
            if size + len(row) > budget // 2:  # the table is bounded too: half the budget
                out.append(f"| … | {len(plan.go_live) - index} more go-live change(s) | | |")
                break
            out.append(row)
            size += len(row) + 1
        out.append("")
    text_so_far = "\n".join(out)
    blocks = [go_live_block(c, plan) for c in plan.go_live] + [_md_details(c) for c in plan.routine]
    if plan.routine:
        blocks.insert(len(blocks) - len(plan.routine), "### Routine changes\n")
    if plan.unknown or plan.duplicates:
        rows = ["### :question: Not compared, or not ours alone", ""]
        rows += [f"- unknown: {line}" for line in unknown_lines(plan)]
        rows += [f"- duplicate: {line}" for line in duplicate_lines(plan)]
        blocks.insert(0, "\n".join(rows) + "\n")
    if plan.unmanaged:
        rows = ["### Unmanaged preferences (never changed)", ""]
        rows += [
            f"- `{u.arn}` buyer `{u.buyer_identity}`"
            + (
                f" — adopt with `coupa-gitops import {u.adoptable_by} --arn {u.arn}`"
                if u.adoptable_by
                else ""
            )
            for u in plan.unmanaged
        ]
        blocks.append("\n".join(rows) + "\n")
    shown = [text_so_far]
    size = len(text_so_far)
    for index, block in enumerate(blocks):
        if size + len(block) > budget:
            left = len(blocks) - index
            shown.append(
                f"\n_… {left} more section(s) not shown to fit a GitHub comment; "
                "the full plan is in the job summary and the `plan.json` artifact._\n"
            )
            break
        shown.append(block)
        size += len(block)
    return "\n".join(shown).rstrip() + "\n"


# --- json ---


def json_text(plan: Plan) -> str:
    """The documented JSON form (format_version, sorted keys); secrets never appear."""
    doc = {"summary": summary(plan), **plan.to_dict()}
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


RENDERERS = {
    "text": text,
    "markdown": lambda plan, stream=None: markdown(plan),
    "json": lambda plan, stream=None: json_text(plan),
}

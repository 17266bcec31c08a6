"""Three views of one Plan: text (terminal), markdown (PR comment), json (machines).

Renderers only read the Plan; nothing shown here feeds back into apply.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import IO

from controller import escape as esc
from controller.engine import reviewer
from controller.engine.plan import Action, Change, Check, FieldChange, Plan, title
from controller.engine.provider import KNOWN_AFTER_APPLY
from controller.render.words import plain

GITHUB_COMMENT_LIMIT = 65_536
# The sticky PR comment joins the intent (controller.gitops.intent.MARKDOWN_BUDGET, 30,000) and the
# plan: the two budgets and the glue between them stay under GITHUB_COMMENT_LIMIT.
MARKDOWN_BUDGET = 34_000
SUMMARY_BUDGET = 1_000_000  # a job summary allows 1 MiB per step
COMMENT_REST = (
    "to fit a GitHub comment; the plan job's summary and its `plan` artifact (plan.json) "
    "have all of it"
)
SUMMARY_REST = "to fit a job summary; the `plan` artifact (plan.json) has all of it"

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
    if value == KNOWN_AFTER_APPLY:
        return KNOWN_AFTER_APPLY
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, str) else str(value)


def field_line(change: FieldChange, *, creating: bool = False, label: str | None = None) -> str:
    """One field as `path: before -> after`; a new resource's fields as `path: value`."""
    path = label or change.path
    if change.sensitive:
        return f"{path}: (sensitive value {'set' if creating else 'changed'})"
    suffix = "   # forces replacement" if change.immutable else ""
    if creating:
        return f"{path}: {_value(change.after)}{suffix}"
    if change.after is None:
        return f"{path}: {_value(change.before)} -> (removed){suffix}"
    return f"{path}: {_value(change.before)} -> {_value(change.after)}{suffix}"


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


LABELS = {
    Action.CREATE: "to create",
    Action.UPDATE: "to update",
    Action.REPLACE: "to replace",
    Action.DELETE: "to delete",
    Action.STATUS: "mode change(s)",
}


def _tally(changes: Iterable[Change]) -> str:
    counts = {a: 0 for a in LABELS}
    for change in changes:
        counts[change.action] += 1
    return ", ".join(f"{n} {LABELS[a]}" for a, n in counts.items() if n)


def summary(plan: Plan) -> str:
    """One line: what the plan does, go-live first; each change counted once."""
    unchanged = plan.counts()["no-op"]
    unknown = f" {len(plan.unknown)} value(s) not read: not applyable." * bool(plan.unknown)
    if not plan.actionable:
        if plan.has_changes:
            return f"Cannot tell whether anything changed:{unknown}"
        return f"No changes. {unchanged} integration(s) match AWS."
    parts = []
    if plan.go_live:
        parts.append(
            f"{len(plan.go_live)} GO-LIVE change(s) need approval ({_tally(plan.go_live)})"
        )
    if plan.routine:
        parts.append(_tally(plan.routine))
    return f"Plan: {'; '.join(parts)}; {unchanged} unchanged.{unknown}"


def verdict(change: Change) -> str:
    if not change.readiness:
        return "ready"
    return "READY" if change.ready else "NOT READY"


# --- text ---


def _use_colour(stream: object) -> bool:
    # any object: a stream without isatty() is not a terminal
    return hasattr(stream, "isatty") and bool(stream.isatty()) and "NO_COLOR" not in os.environ


def _paint(text: str, code: str | None, colour: bool) -> str:
    """One line, escaped for a terminal and a CI log, then coloured (our codes only)."""
    text = esc.terminal(text)
    return f"\033[{code}m{text}\033[0m" if colour and code else text


def _text_change(change: Change) -> Iterable[tuple[str, str | None]]:
    where = f"Coupa {change.scope}" if change.provider == "coupa" else f"account {change.account}"
    head = f"  {SYMBOL[change.action]} {title(change)}  [{where}]"
    yield head, COLOUR.get(change.action)
    for reason in change.reasons:
        yield f"      why: {reason}", None
    for blocker in change.blockers:
        yield f"      BLOCKED: {blocker}", "31"
    for window in change.windows:
        yield f"      WINDOW: {reviewer.window_sentence(window)}", "31"
    if change.windows:
        yield f"      {reviewer.allowed_sentence(change)}", None
    if change.readiness:
        yield f"      readiness: {verdict(change)}", None
        for check in change.readiness:
            yield f"        [{'x' if check.ok else ' '}] {check.name}: {check.detail}", None
    for f in change.fields:
        yield f"      {field_line(f, creating=change.action is Action.CREATE)}", None


def _text_lines(plan: Plan) -> Iterable[tuple[str, str | None]]:
    yield summary(plan), None
    if plan.go_live:
        yield "", None
        yield "GO-LIVE (needs --allow-go-live, i.e. an approved apply):", "1;31"
        for change in plan.go_live:
            yield from _text_change(change)
    if plan.routine:
        yield "", None
        yield "Routine:", None
        for change in plan.routine:
            yield from _text_change(change)
    if plan.unmanaged:
        yield "", None
        yield "Unmanaged preferences (no coupa-gitops:name tag; never changed):", None
        for u in plan.unmanaged:
            hint = (
                f"; adopt: coupa-gitops import {u.adoptable_by} --arn {u.arn}"
                if u.adoptable_by
                else ""
            )
            yield (
                f"  {u.arn} (buyer {u.buyer_identity}, supplier {u.supplier_identity}){hint}",
                None,
            )
    if plan.unknown:
        yield "", None
        yield "Unknown (apply refuses until these can be read):", None
        for line in unknown_lines(plan):
            yield f"  ? {line}", None
    if plan.duplicates:
        yield "", None
        yield "Duplicate managed preferences (never changed):", None
        for line in duplicate_lines(plan):
            yield f"  ! {line}", None
    for note in plan.notes:
        yield f"note: {note}", None
    if any(c.windows for c in plan.changes):
        yield f"note: change windows as of {_at(plan)}", None


def _at(plan: Plan) -> str:
    return reviewer.when(plan.at, "UTC") if plan.at else "now"


def text(plan: Plan, stream: IO[str] | None = None) -> str:
    """The terminal view; every line escaped (no control characters, no workflow commands)."""
    colour = _use_colour(stream)
    return "\n".join(_paint(line, code, colour) for line, code in _text_lines(plan)) + "\n"


# --- markdown ---
# Every value (names, ARNs, file names, AWS's words) goes through controller.escape: in a
# code span, a fence, HTML-escaped, or as escaped prose. Our own words are written as is.


def _md_checklist(checks: Iterable[Check]) -> str:
    return "\n".join(
        f"- [{'x' if c.ok else ' '}] **{esc.markdown(c.name)}**: {esc.markdown(c.detail)}"
        for c in checks
    )


def _md_field(change: FieldChange, *, creating: bool) -> str:
    """A field line for a finance reader: plain words first, then the dotted path."""
    words = plain(change.path)
    label = f"{words} [{change.path}]" if words != change.path else None
    return field_line(change, creating=creating, label=label)


def _md_details(change: Change) -> str:
    where = change.source or change.arn or ""
    body = [
        f"<details><summary><code>{esc.html(SYMBOL[change.action] + ' ' + title(change))}</code>"
        f" ({len(change.fields)} field(s), <code>{esc.html(where)}</code>)"
        "</summary>",
        "",
    ]
    if change.reasons:
        body += [f"- {esc.markdown(r)}" for r in change.reasons] + [""]
    if change.blockers:
        body += [f"- :no_entry: **blocked**: {esc.markdown(b)}" for b in change.blockers] + [""]
    if change.fields:
        marker = {Action.CREATE: "+", Action.DELETE: "-"}.get(change.action, "!")
        creating = change.action is Action.CREATE
        lines = [f"{marker} {_md_field(f, creating=creating)}" for f in change.fields]
        body += esc.fence(lines, "diff")
    body += ["", "</details>", ""]
    return "\n".join(body)


def _md_windows(change: Change, plan: Plan) -> list[str]:
    head = f"**Change windows** (as of {_at(plan)})"
    if not change.windows:
        return [head, "", f"- :white_check_mark: {esc.markdown(reviewer.allowed_sentence(change))}"]
    lines = [f"- :no_entry: {esc.markdown(reviewer.window_sentence(w))}" for w in change.windows]
    return [head, "", *lines, f"- {esc.markdown(reviewer.allowed_sentence(change))}"]


def go_live_block(change: Change, plan: Plan) -> str:
    """One go-live as the reviewer reads it: the sentence, readiness, windows, details folded."""
    what = title(change).split(": ", 1)[1]  # the action or the modes: our words only
    name = esc.markdown(reviewer.display_name(change.name))
    body = [f"#### {name} ({esc.code(change.name)}) — {what}", ""]
    if change.sentence:
        body += [f"**{esc.markdown(change.sentence)}**", ""]
    if change.readiness:
        # A paragraph between two lists keeps them apart: Markdown joins lists that only a
        # blank line separates into one loose list.
        body += [f"Readiness checks ({verdict(change)}):", "", _md_checklist(change.readiness), ""]
    body += [*_md_windows(change, plan), ""]
    if change.fields or change.reasons or change.blockers:
        body.append(_md_details(change))
    return "\n".join(body) + "\n"


def go_live_markdown(plan: Plan, changes: Iterable[Change]) -> str:
    """The go-live changes alone, as in the PR comment (the go-live job's summary)."""
    changes = list(changes)
    lead = [f"- {esc.markdown(c.sentence)}" for c in changes if c.sentence]
    return "\n".join(["### Go-live", "", *lead, "", *(go_live_block(c, plan) for c in changes)])


def _md_head(plan: Plan, budget: int) -> list[str]:
    out = [f"**coupa-gitops plan** — {summary(plan)}", ""]  # counts only: no values
    if not plan.go_live:
        return out
    out += [
        "### :warning: Go-live: these start or stop real purchasing or invoicing",
        "",
        "They run only after a reviewer approves the `go-live` environment.",
        "",
        "| Integration | Change | Account | Readiness |",
        "|---|---|---|---|",
    ]
    used = esc.size("\n".join(out))
    for index, c in enumerate(plan.go_live):
        mark = ":white_check_mark: ready" if c.ready else ":x: **not ready**"
        if c.windows:  # ready or not, a window holds it back now
            mark += f" · :no_entry: held back by {esc.code(c.windows[0].name)}"
        what = title(c).split(": ", 1)[1]  # the action or the modes: our words only
        where = f"Coupa {c.scope}" if c.provider == "coupa" else c.account
        row = f"| {esc.code(c.name)} | {what} | {esc.markdown(where)} | {mark} |"
        if used + esc.size(row) > budget // 2:  # the table is bounded too: half the budget
            out.append(f"| … | {len(plan.go_live) - index} more go-live change(s) | | |")
            break
        out.append(row)
        used += esc.size(row) + 1
    return [*out, ""]


def _md_blocks(plan: Plan) -> list[str]:
    blocks = [go_live_block(c, plan) for c in plan.go_live]
    if plan.routine:
        blocks += ["### Routine changes\n", *(_md_details(c) for c in plan.routine)]
    if plan.unknown or plan.duplicates:
        rows = ["### :question: Not compared, or not ours alone", ""]
        rows += [f"- unknown: {esc.markdown(line)}" for line in unknown_lines(plan)]
        rows += [f"- duplicate: {esc.markdown(line)}" for line in duplicate_lines(plan)]
        blocks.insert(0, "\n".join(rows) + "\n")
    if plan.unmanaged:
        rows = ["### Unmanaged preferences (never changed)", ""]
        rows += [
            f"- {esc.code(u.arn)} buyer {esc.code(u.buyer_identity)}"
            + (
                " — adopt with "
                + esc.code(f"coupa-gitops import {u.adoptable_by} --arn {u.arn}", cell=False)
                if u.adoptable_by
                else ""
            )
            for u in plan.unmanaged
        ]
        blocks.append("\n".join(rows) + "\n")
    if plan.notes:
        blocks.append(
            "\n".join(["### Notes", "", *(f"- {esc.markdown(n)}" for n in plan.notes)]) + "\n"
        )
    return blocks


def markdown(plan: Plan, budget: int = MARKDOWN_BUDGET, rest: str = COMMENT_REST) -> str:
    """The PR comment: summary line first, go-live first, details folded, within `budget`.

    `budget` is in UTF-8 bytes (never fewer than the characters GitHub counts); `rest` says
    truthfully where whatever does not fit can be read.
    """
    head = "\n".join(_md_head(plan, budget))
    note = f"\n_… {{left}} more section(s) not shown {rest}._\n"
    return esc.fit([head, *_md_blocks(plan)], budget, note)


# --- json ---


def json_text(plan: Plan) -> str:
    """The documented JSON form (format_version, sorted keys); secrets never appear."""
    doc = {"summary": summary(plan), **plan.to_dict()}
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def _markdown(plan: Plan, stream: IO[str] | None = None) -> str:
    return markdown(plan)


def _json(plan: Plan, stream: IO[str] | None = None) -> str:
    return json_text(plan)


# By --format: the view of a plan (the stream says whether a terminal shows it in colour).
RENDERERS: dict[str, Callable[[Plan, IO[str] | None], str]] = {
    "text": text,
    "markdown": _markdown,
    "json": _json,
}

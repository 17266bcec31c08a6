"""The intent as text, Markdown (the PR comment's first part) and JSON."""

from __future__ import annotations

import json

from controller import escape as esc
from controller.gitops.intent import (
    ADD,
    EDIT,
    GO_LIVE,
    MARKDOWN_BUDGET,
    MAX_NOTES,
    REMOVE,
    ROUTINE,
    IntegrationIntent,
    Intent,
)


def _value(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _mode(item: IntegrationIntent) -> str:
    if item.kind == ADD:
        return str(item.mode_after)
    if item.kind == REMOVE:
        return str(item.mode_before)
    if item.mode_changed:
        return f"{item.mode_before} -> {item.mode_after}"
    return str(item.mode_after)


def _headline(intent: Intent) -> str:
    c = intent.counts()
    total = len(intent.integrations)
    if not total:
        return "no integration changes"
    noun = "integration" if total == 1 else "integrations"
    return (
        f"{total} {noun} change: {c[ADD]} added, {c[EDIT]} edited, {c[REMOVE]} removed; "
        f"{c[GO_LIVE]} go-live, {c[ROUTINE]} routine"
    )


def render_text(intent: Intent) -> str:
    """The terminal view; every line escaped (file names and values may hold anything)."""
    lines = [
        f"Changes since {intent.base} ({intent.base_commit[:12]}), read from git alone "
        "(no AWS access; the plan is authoritative):"
    ]
    labels = {id(i): esc.visible(i.label) for i in intent.integrations}
    width = max((len(label) for label in labels.values()), default=0)
    for item in intent.integrations:
        lines.append(
            f"  {item.gate:<8} {item.kind:<7} {labels[id(item)]:<{width}}  "
            f"mode {esc.visible(_mode(item)):<18} {item.file_after or item.file_before}"
        )
        lines.extend(f"      why go-live: {r}" for r in item.reasons)
        lines.extend(
            f"      {f.path}: {_value(f.before)} -> {_value(f.after)}" for f in item.fields
        )
    lines.extend(f"note: {n}" for n in intent.notes)
    lines.append(_headline(intent))
    return "\n".join(esc.terminal(line) for line in lines) + "\n"


_code = esc.code
_html = esc.html


def _mode_cell(item: IntegrationIntent) -> str:
    if item.mode_changed:
        return f"{_code(str(item.mode_before))} → {_code(str(item.mode_after))}"
    return _code(_mode(item))


def _row(item: IntegrationIntent) -> str:
    if item.gate == GO_LIVE:
        why = "; ".join(item.reasons)
    elif item.kind == EDIT:
        why = f"{len(item.fields)} field{'s' * (len(item.fields) != 1)} changed"
    else:
        why = "routine: test mode" if item.kind == ADD else "routine"
    file = item.file_after or item.file_before or ""
    return (
        f"| {_code(item.label)} | {item.kind} | {_mode_cell(item)} | {esc.markdown(why)} "
        f"| {_code(file)} |"
    )


def _details(item: IntegrationIntent) -> str:
    count = len(item.fields)
    summary = f"<b>{_html(item.label)}</b>: {count} field{'s' * (count != 1)} changed"
    rows = [
        f"| {_code(f.path)} | {_code(_value(f.before))} | {_code(_value(f.after))} |"
        for f in item.fields
    ]
    return "\n".join(
        [
            f"<details><summary>{summary}</summary>",
            "",
            "| Field | Before | After |",
            "|---|---|---|",
            *rows,
            "",
            "</details>",
            "",
        ]
    )


def _table(title: str, items: tuple[IntegrationIntent, ...]) -> list[str]:
    """A section as blocks: the title with its header, then one block per row (cut by row)."""
    if not items:
        return []
    head = f"{title}\n\n| Integration | Change | Mode | Why | File |\n|---|---|---|---|---|"
    return [head, *(_row(item) for item in items)]


def render_markdown(intent: Intent, budget: int = MARKDOWN_BUDGET) -> str:
    """The intent for a PR comment, within `budget` (UTF-8 bytes): go-live rows first."""
    c = intent.counts()
    out = ["## coupa-gitops intent", ""]
    if not intent.integrations:
        out.append(f"No integration changes since {_code(intent.base)}.")
    elif intent.go_live:
        out.append(
            f"**{c[GO_LIVE]} go-live change{'s' * (c[GO_LIVE] != 1)}**: after merge, "
            "they wait for a reviewer's approval in the `go-live` environment. "
            f"{_headline(intent).capitalize()}."
        )
    else:
        out.append(f"Routine changes only. {_headline(intent).capitalize()}.")
    out += [
        "",
        f"<sub>Read from git alone, comparing {_code(intent.base)} "
        f"({_code(intent.base_commit[:12])}) with this change; no AWS access. "
        "The plan, which reads the live configuration, is authoritative.</sub>",
        "",
    ]
    if intent.notes:
        out += ["> [!NOTE]", *(f"> {esc.markdown(n)}  " for n in intent.notes[:MAX_NOTES])]
        if len(intent.notes) > MAX_NOTES:
            out.append(f"> … and {len(intent.notes) - MAX_NOTES} more notes  ")
        out.append("")
    # A table row is a block of its own, so a cut between rows leaves the table whole; a
    # blank line after the last row of a section ends the table before the next block.
    blocks = ["\n".join(out).rstrip() + "\n"]
    for title, items in (("### Go-live", intent.go_live), ("### Routine", intent.routine)):
        rows = _table(title, items)
        if rows:
            rows[-1] += "\n"
        blocks += rows
    blocks += [_details(i) for i in intent.integrations if i.kind == EDIT and i.fields]
    note = (
        "\n_{left} more row(s) or detail block(s) left out to fit a comment; "
        f"run `coupa-gitops intent --base {intent.base_commit[:12]}` or see the `intent` "
        "artifact (intent.json) for all of them._\n"
    )
    return esc.fit(blocks, budget, note)


def render_json(intent: Intent) -> str:
    return json.dumps(intent.to_dict(), indent=2, ensure_ascii=True) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}

"""Plan markdown as a finance reader sees it: separate checklists, honest counts, plain words."""

from __future__ import annotations

from controller import render
from controller.providers.aws.translate import FIELDS
from controller.render.words import WORDS, plain

from .builders import desired, item, live, plan_of
from .test_render_unit import READY, ROTATED


def _go_live_plan():
    first, second = item("alpha", buyer="A", mode="live"), item("beta", buyer="B", mode="live")
    return plan_of(
        [first, second],
        [live(item("alpha", buyer="A"), READY), live(item("beta", buyer="B"), READY)],
    )


def _list_runs(text: str) -> list[list[str]]:
    """Lines grouped as Markdown groups list items: a run ends at a line that is not an item
    unless that line is blank and the next line is an item (which continues the same list)."""
    lines = text.split("\n")
    runs: list[list[str]] = []
    current: list[str] = []
    for index, line in enumerate(lines):
        if line.startswith("- "):
            current.append(line)
        elif (
            line == "" and current and index + 1 < len(lines) and lines[index + 1].startswith("- ")
        ):
            continue  # a blank line between items: still one (loose) list
        elif current:
            runs.append(current)
            current = []
    return runs + ([current] if current else [])


def test_a_readiness_checklist_is_a_list_of_its_own_not_merged_with_the_reasons():
    text = render.markdown(_go_live_plan())
    runs = _list_runs(text)
    checklists = [run for run in runs if run[0].startswith("- [")]
    assert len(checklists) == 2
    assert all(all(line.startswith("- [") for line in run) for run in checklists)


def test_the_summary_counts_a_go_live_mode_change_once():
    rotated_live = item("gamma", buyer="G", mode="live")
    plan = plan_of(
        [desired(rotated_live, ROTATED), item("new", buyer="N")],
        [live(rotated_live, ("ACTIVE", "ACTIVE"))],
    )
    line = render.summary(plan)
    changes = len(plan.actionable)
    numbers = [int(word) for word in line.replace("(", " ").split() if word.isdigit()]
    go_live, *parts, _unchanged = numbers
    assert sum(parts) == changes  # every change once, in its own group
    assert go_live == len(plan.go_live)
    assert line.startswith(f"Plan: {go_live} GO-LIVE change(s) need approval (")


def test_every_compared_field_has_plain_words():
    assert {path for path, _, _ in FIELDS} <= set(WORDS)
    assert plain("production.sharedSecret") == "shared secret (production)"
    assert plain("tags.cost-center") == "tag cost-center"


def test_markdown_field_lines_show_plain_words_next_to_the_dotted_path():
    plan = plan_of([item("new", buyer="N")])
    text = render.markdown(plan)
    assert "+ shared secret (production) [production.sharedSecret]: (sensitive value set)" in text
    assert '+ contact email [contact.email]: "procurement-ops@acme.example"' in text

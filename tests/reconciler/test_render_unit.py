"""The three views of a Plan: text (terminal), markdown (the PR comment), json (machines)."""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import replace

import pytest

from controller import render
from controller.engine.plan import Plan
from controller.providers.aws.state import ACTIVE, TEST_INITIALIZED
from controller.render import GITHUB_COMMENT_LIMIT

from .builders import SECRET_VALUES, desired, item, live, plan_of

READY = (TEST_INITIALIZED, TEST_INITIALIZED)
ROTATED = {
    "ACME_COUPA_SECRET": "rotated-prod-Xy71",
    "ACME_COUPA_TEST_SECRET": "rotated-test-Xy72",
}
ANSI = re.compile(r"\x1b\[")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _mixed_plan() -> Plan:
    """A go-live (ready), a routine update, a create, and an unmanaged preference."""
    golive, routine = item("golive", buyer="GL", mode="live"), item("routine", buyer="RT")
    stranger = live(item("x", buyer="OTHER"), managed=False)
    return plan_of(
        [golive, item("routine", buyer="RT", email="ap@acme.example"), item("new", buyer="NEW")],
        [live(golive, READY), live(routine), stranger],
    )


def _secret_plan() -> Plan:
    """Every secret changed, on a test and on a live integration, plus a create."""
    t, lv = item("t", buyer="T"), item("l", buyer="L", mode="live")
    return plan_of(
        [desired(t, ROTATED), desired(lv, ROTATED), desired(item("n", buyer="N"), ROTATED)],
        [live(t), live(lv, (ACTIVE, ACTIVE))],
    )


def _many(count: int, **values) -> list:
    return [item(f"acme-{i:03d}", buyer=f"ACME-{i:03d}", **values) for i in range(count)]


# --- markdown ---


def test_markdown_starts_with_the_one_line_summary():
    plan = _mixed_plan()
    first, second = render.markdown(plan).split("\n")[:2]
    assert first == f"**coupa-gitops plan** — {render.summary(plan)}"
    assert second == ""


def test_markdown_puts_go_live_before_routine_changes():
    text = render.markdown(_mixed_plan())
    assert text.index("### :warning: Go-live") < text.index("### Routine changes")
    assert text.index("| `golive` | mode test -> live | 123456789012 |") < text.index(
        "### Routine changes"
    )


def test_markdown_shows_each_go_live_readiness_checklist():
    text = render.markdown(_mixed_plan())
    assert "- [x] **e-invoice delivery connection test passed**: status TEST_INITIALIZED" in text
    assert ":white_check_mark: ready" in text


def test_markdown_folds_each_routine_change_in_a_details_block():
    text = render.markdown(_mixed_plan())
    blocks = re.findall(r"<details><summary>(.*?)</summary>(.*?)</details>", text, re.S)
    titles = [html.unescape(re.search(r"<code>(.*?)</code>", head).group(1)) for head, _ in blocks]
    # the go-live's details (its reasons) are folded too, after its sentence and checklist
    assert titles == ["* golive: mode test -> live", "+ new: create", "~ routine: update"]
    assert (
        '! contact email [contact.email]: "procurement-ops@acme.example" -> "ap@acme.example"'
        in blocks[2][1]
    )


def test_markdown_lists_unmanaged_preferences_last():
    text = render.markdown(_mixed_plan())
    assert text.rstrip().split("\n")[-1].startswith("- `arn:aws:invoicing::123456789012:")
    assert "### Unmanaged preferences (never changed)" in text


@pytest.mark.parametrize(
    ("label", "make"),
    [
        ("500 creates", lambda: plan_of(_many(500))),
        (
            "500 go-lives",
            lambda: plan_of(_many(500, mode="live"), [live(i, READY) for i in _many(500)]),
        ),
        (
            "500 live secret rotations",
            lambda: plan_of(
                [desired(i, ROTATED) for i in _many(500, mode="live")],
                [live(i, (ACTIVE, ACTIVE)) for i in _many(500, mode="live")],
            ),
        ),
    ],
)
def test_a_500_integration_plan_fits_a_github_comment(label, make):
    text = render.markdown(make())
    assert len(text) < GITHUB_COMMENT_LIMIT, label
    assert "not shown to fit a GitHub comment" in text


def test_a_truncated_markdown_plan_keeps_the_summary_and_the_go_live_table_first():
    plan = plan_of(_many(500, mode="live"), [live(i, READY) for i in _many(500)])
    text = render.markdown(plan)
    assert text.startswith("**coupa-gitops plan** — Plan: 500 GO-LIVE change(s) need approval")
    assert "| `acme-000` | mode test -> live |" in text
    assert re.search(r"\| … \| \d+ more go-live change\(s\) \| \| \|", text)


def test_a_small_markdown_plan_is_not_truncated():
    assert "not shown" not in render.markdown(_mixed_plan())


# --- json ---


def test_json_has_the_format_version_and_the_summary():
    doc = json.loads(render.json_text(_mixed_plan()))
    assert doc["format_version"] == "4"
    assert doc["summary"] == render.summary(_mixed_plan())


def test_json_keys_are_sorted_at_every_level():
    text = render.json_text(_mixed_plan())
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def test_json_is_the_same_for_the_same_plan():
    assert render.json_text(_mixed_plan()) == render.json_text(_mixed_plan())


def test_json_round_trips_to_the_plan():
    plan = _mixed_plan()
    doc = json.loads(render.json_text(plan))
    doc.pop("summary")
    assert Plan.from_dict(doc) == plan


# --- text ---


def test_text_has_no_colour_when_the_stream_is_not_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert not ANSI.search(render.text(_mixed_plan(), io.StringIO()))


def test_text_is_coloured_on_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert ANSI.search(render.text(_mixed_plan(), Terminal()))


def test_text_has_no_colour_on_a_terminal_when_no_color_is_set(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(render.text(_mixed_plan(), Terminal()))


def test_text_has_no_colour_without_a_stream(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert not ANSI.search(render.text(_mixed_plan()))


def test_text_lists_go_live_before_routine():
    text = render.text(_mixed_plan())
    assert text.index("GO-LIVE (needs --allow-go-live") < text.index("Routine:")


def test_text_of_a_plan_without_changes_says_so():
    it = item()
    assert render.text(plan_of([it], [live(it)])) == "No changes. 1 integration(s) match AWS.\n"


# --- secrets ---


@pytest.mark.parametrize("fmt", sorted(render.RENDERERS))
def test_no_rendering_shows_a_secret_or_its_digest(fmt):
    from controller.providers.aws.translate import secret_digest

    plan = _secret_plan()
    text = render.RENDERERS[fmt](plan, Terminal())
    for value in [*SECRET_VALUES.values(), *ROTATED.values()]:
        assert value not in text
        assert secret_digest(value) not in text
        assert secret_digest(value).split(":", 1)[1][:16] not in text


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_show_each_secret_change_as_sensitive_value_changed(fmt):
    text = render.RENDERERS[fmt](_secret_plan(), None)
    assert (
        "production.sharedSecret" + "]" * (fmt == "markdown") + ": (sensitive value changed)"
        in text
    )
    assert "test.sharedSecret" + "]" * (fmt == "markdown") + ": (sensitive value changed)" in text


def test_json_marks_secret_changes_sensitive_without_values():
    doc = json.loads(render.json_text(_secret_plan()))
    secrets = [f for c in doc["changes"] for f in c["fields"] if f["path"].endswith("sharedSecret")]
    assert secrets
    assert all(f["sensitive"] and f["before"] is None and f["after"] is None for f in secrets)


def test_markdown_shows_the_plans_notes_escaped():
    plan = replace(_mixed_plan(), notes=("supplier `X` is not AWS's <!-- ###",))
    text = render.markdown(plan)
    assert "### Notes\n\n- supplier \\`X\\` is not AWS" in text
    assert "<!--" not in text

"""The sticky PR comment (intent + plan, joined as pr.yml joins them) fits GitHub's limit."""

from __future__ import annotations

import pytest

from controller import render
from controller.gitops import intent, intent_render
from controller.gitops.intent import GO_LIVE, IntegrationIntent, Intent

from .builders import item, live, plan_of
from .test_render_unit import READY

GITHUB_COMMENT_LIMIT = 65_536
STICKY_HEADER = "<!-- Sticky Pull Request Comment: coupa-gitops -->\n"  # what the action adds
COUNT = 1_000


def _go_live_intent(count: int) -> Intent:
    return Intent(
        base="HEAD^1",
        base_commit="0123456789abcdef0123456789abcdef01234567",
        integrations=tuple(
            IntegrationIntent(
                name=f"acme-{i:04d}",
                kind="edit",
                gate=GO_LIVE,
                reasons=("goes live: real purchase orders and e-invoices start to flow",),
                mode_before="test",
                mode_after="live",
                file_before=f"config/integrations/acme-{i:04d}.yaml",
                file_after=f"config/integrations/acme-{i:04d}.yaml",
                fields=(intent.FieldChange("spec.mode", "test", "live"),),
                valid_after=True,
            )
            for i in range(count)
        ),
    )


@pytest.fixture(scope="module")
def thousand_go_lives():
    items = [item(f"acme-{i:04d}", buyer=f"ACME-{i:04d}", mode="live") for i in range(COUNT)]
    tested = [item(f"acme-{i:04d}", buyer=f"ACME-{i:04d}") for i in range(COUNT)]
    return plan_of(items, [live(i, READY) for i in tested])


def _comment(intent_md: str, plan_md: str) -> str:
    return STICKY_HEADER + intent_md + "\n" + plan_md  # pr.yml: cat intent.md; echo; cat plan.md


def test_the_comment_for_1000_go_lives_fits_and_says_where_the_rest_is(thousand_go_lives):
    plan_md = render.markdown(thousand_go_lives)
    intent_md = intent_render.render_markdown(_go_live_intent(COUNT))
    comment = _comment(intent_md, plan_md)
    print(f"comment at {COUNT} go-lives: {len(comment)} characters")
    assert len(comment) < GITHUB_COMMENT_LIMIT
    assert "the plan job's summary and its `plan` artifact (plan.json) have all of it" in plan_md
    assert "left out to fit a comment" in intent_md


def test_the_full_plan_of_1000_go_lives_fits_the_job_summary_uncut(thousand_go_lives):
    full = render.markdown(thousand_go_lives, render.SUMMARY_BUDGET, render.SUMMARY_REST)
    assert len(full.encode()) < 1024 * 1024
    assert "not shown" not in full
    assert full.count("Readiness checks (READY):") == COUNT


def test_the_intent_of_1000_go_lives_keeps_to_its_budget_even_though_go_live_rows_come_first():
    text = intent_render.render_markdown(_go_live_intent(COUNT))
    assert len(text.encode()) <= intent.MARKDOWN_BUDGET


def test_the_two_budgets_and_the_glue_stay_under_the_limit():
    glue = len(STICKY_HEADER) + 200  # the blank line, and pr.yml's fallback sentences
    assert intent.MARKDOWN_BUDGET + render.MARKDOWN_BUDGET + glue < GITHUB_COMMENT_LIMIT

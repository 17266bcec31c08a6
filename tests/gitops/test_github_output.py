"""controller.gitops.github: job summary, masks and annotations; silent outside GitHub Actions."""

from __future__ import annotations

import io
from pathlib import Path

from controller.gitops import github

ACTIONS = {"GITHUB_ACTIONS": "true"}


def test_in_actions() -> None:
    assert github.in_actions(ACTIONS)
    assert not github.in_actions({})
    assert not github.in_actions({"GITHUB_ACTIONS": "1"})


def test_step_summary_appends(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# before\n", encoding="utf-8")
    env = {**ACTIONS, "GITHUB_STEP_SUMMARY": str(summary)}
    assert github.write_step_summary("## plan", env)
    assert github.write_step_summary("done\n", env)
    assert summary.read_text(encoding="utf-8") == "# before\n## plan\ndone\n"


def test_step_summary_is_a_no_op_outside_actions(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    assert not github.write_step_summary("x", {"GITHUB_STEP_SUMMARY": str(summary)})
    assert not github.write_step_summary("x", ACTIONS)  # no summary file offered
    assert not summary.exists()


def test_mask_in_actions() -> None:
    out = io.StringIO()
    assert github.mask("s3cr%t", out=out, env=ACTIONS)
    assert out.getvalue() == "::add-mask::s3cr%25t\n"


def test_mask_multi_line_value_line_by_line() -> None:
    out = io.StringIO()
    github.mask("line one\nline two\n", out=out, env=ACTIONS)
    assert out.getvalue().splitlines() == [
        "::add-mask::line one%0Aline two%0A",
        "::add-mask::line one",
        "::add-mask::line two",
    ]


def test_mask_prints_nothing_outside_actions() -> None:
    out = io.StringIO()
    assert not github.mask("s3cret", out=out, env={})
    assert not github.mask("", out=out, env=ACTIONS)
    assert out.getvalue() == ""


def test_annotation() -> None:
    line = github.annotation(
        "error", "bad: value\n100%", file="config/a,b.yaml", line=3, col=5, title="x"
    )
    assert line == "::error file=config/a%2Cb.yaml,line=3,col=5,title=x::bad: value%0A100%25"
    assert github.annotation("notice", "hi") == "::notice::hi"

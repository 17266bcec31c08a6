"""ChangeWindows files in gitdiff, intent and codeowners: set apart, noted, owned."""

from __future__ import annotations

from pathlib import Path

from controller import cli
from controller.gitops import gitdiff, intent, intent_render

from .conftest import ACME, GitRepo

CALENDAR = "config/change-windows/finance.yaml"
TEXT = (
    Path(__file__)
    .resolve()
    .parents[2]
    .joinpath("config", "change-windows", "finance-calendar.yaml")
    .read_text(encoding="utf-8")
)


def test_a_windows_file_is_set_apart_from_the_integrations(gitrepo: GitRepo) -> None:
    gitrepo.write(CALENDAR, TEXT)
    changes = gitdiff.changed_since("HEAD", ["config/"])
    assert changes.windows == (CALENDAR,)
    assert changes.added == () and changes.base_names == ()
    assert not changes.is_empty
    gitrepo.commit("calendar")
    gitrepo.replace(CALENDAR, "duration: 96h", "duration: 5d")
    gitrepo.replace(ACME, "mode: test", "mode: live")
    changes = gitdiff.changed_since("HEAD", ["config/"])
    assert (changes.windows, changes.modified) == ((CALENDAR,), (ACME,))


def test_a_file_that_changes_kind_is_an_integration_removed_plus_a_windows_change(
    gitrepo: GitRepo,
) -> None:
    gitrepo.write(ACME, TEXT)
    changes = gitdiff.changed_since("HEAD", ["config/"])
    assert (changes.deleted, changes.windows, changes.modified) == ((ACME,), (ACME,), ())
    assert changes.base_names == ((ACME, "acme-emea"),)


def test_intent_reports_a_windows_change_as_routine_but_notes_it(gitrepo: GitRepo) -> None:
    gitrepo.write(CALENDAR, TEXT)
    result = intent.compute("HEAD", ["config/"])
    assert result.integrations == () and not result.go_live
    assert result.windows == (CALENDAR,)
    assert result.notes == (
        f"change windows `{CALENDAR}` changed: routine in itself, but `plan` and `apply` hold "
        "go-live changes back while its deny windows are open",
    )
    assert result.to_dict()["change_windows"] == [CALENDAR]
    # Notes are escaped prose in Markdown: the backticks show as typed.
    assert f"change windows \\`{CALENDAR}\\` changed" in intent_render.render_markdown(result)


def test_codeowners_makes_the_windows_approvers_own_the_file(gitrepo: GitRepo) -> None:
    gitrepo.write(CALENDAR, TEXT)
    assert cli.main(["codeowners"]) == 0
    lines = gitrepo.read(".github/CODEOWNERS").splitlines()
    assert f"/{CALENDAR} @acme/finance-controllers" in lines

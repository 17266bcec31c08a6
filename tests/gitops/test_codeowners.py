"""`coupa-gitops codeowners`: CODEOWNERS lines from metadata.approvers."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller import cli
from controller.errors import UserError
from controller.gitops import codeowners

from .conftest import ACME, GitRepo

ROOT = Path(__file__).resolve().parents[2]
BLOCK = [
    codeowners.BEGIN,
    "/config/integrations/acme-emea.yaml @acme/procurement-admins",
    "/config/integrations/globex-us.yaml @globex/finance-systems @jdoe",
    codeowners.END,
]


def test_writes_a_new_file_with_header_and_block(gitrepo: GitRepo, capsys) -> None:
    assert cli.main(["codeowners"]) == 0
    assert capsys.readouterr().out == "wrote .github/CODEOWNERS\n"
    text = gitrepo.read(".github/CODEOWNERS")
    assert text == codeowners.HEADER + "\n" + "\n".join(BLOCK) + "\n"
    assert cli.main(["codeowners", "--check"]) == 0


def test_keeps_lines_outside_the_block_and_replaces_it_in_place(gitrepo: GitRepo) -> None:
    gitrepo.write(
        ".github/CODEOWNERS",
        f"* @org/everyone\n\n{codeowners.BEGIN}\n/old @gone\n{codeowners.END}\n/docs/ @org/docs\n",
    )
    assert cli.main(["codeowners"]) == 0
    assert gitrepo.read(".github/CODEOWNERS") == (
        "* @org/everyone\n\n" + "\n".join(BLOCK) + "\n/docs/ @org/docs\n"
    )


def test_appends_the_block_to_a_file_without_one(gitrepo: GitRepo) -> None:
    gitrepo.write(".github/CODEOWNERS", "* @org/everyone")  # no final newline
    assert cli.main(["codeowners"]) == 0
    assert gitrepo.read(".github/CODEOWNERS") == "* @org/everyone\n\n" + "\n".join(BLOCK) + "\n"


def test_check_fails_with_a_diff_when_stale(gitrepo: GitRepo, capsys) -> None:
    assert cli.main(["codeowners"]) == 0
    gitrepo.replace(ACME, '["@acme/procurement-admins"]', '["@acme/procurement-admins", "@ann"]')
    capsys.readouterr()
    before = gitrepo.read(".github/CODEOWNERS")
    assert cli.main(["codeowners", "--check"]) == 1
    out, err = capsys.readouterr()
    assert "--- .github/CODEOWNERS (in the repository)" in out
    assert "-/config/integrations/acme-emea.yaml @acme/procurement-admins\n" in out
    assert "+/config/integrations/acme-emea.yaml @acme/procurement-admins @ann\n" in out
    assert "out of date" in err and "run `coupa-gitops codeowners`" in err
    assert gitrepo.read(".github/CODEOWNERS") == before  # --check changes nothing


def test_check_fails_when_the_file_is_missing(gitrepo: GitRepo, capsys) -> None:
    assert cli.main(["codeowners", "--check"]) == 1
    assert "+/config/integrations/globex-us.yaml @globex/finance-systems @jdoe" in (
        capsys.readouterr().out
    )


def test_file_without_approvers_gets_a_comment(gitrepo: GitRepo) -> None:
    gitrepo.replace(ACME, '  approvers: ["@acme/procurement-admins"]', "")
    assert cli.main(["codeowners"]) == 0
    assert (
        "# /config/integrations/acme-emea.yaml (no metadata.approvers: the owners of lines "
        "above apply)\n" in gitrepo.read(".github/CODEOWNERS")
    )


def test_paths_are_relative_to_the_repository_root(gitrepo: GitRepo, monkeypatch) -> None:
    monkeypatch.chdir(gitrepo.path / "config")
    assert cli.main(["codeowners", "integrations", "--output", "../.github/CODEOWNERS"]) == 0
    assert "/config/integrations/acme-emea.yaml @acme" in gitrepo.read(".github/CODEOWNERS")


def test_root_codeowners_location(gitrepo: GitRepo) -> None:
    assert cli.main(["codeowners", "--output", "CODEOWNERS"]) == 0
    assert "/config/integrations/globex-us.yaml @globex" in gitrepo.read("CODEOWNERS")


def test_damaged_block_is_an_error(gitrepo: GitRepo, capsys) -> None:
    gitrepo.write(".github/CODEOWNERS", f"{codeowners.BEGIN}\n/x @y\n")
    assert cli.main(["codeowners"]) == 1
    assert "damaged generated block" in capsys.readouterr().err


def test_invalid_config_is_reported_not_guessed(gitrepo: GitRepo, capsys) -> None:
    gitrepo.replace(ACME, "mode: test", "mode: maybe")
    assert cli.main(["codeowners"]) == 1
    assert "acme-emea.yaml" in capsys.readouterr().err
    assert not (gitrepo.path / ".github/CODEOWNERS").exists()


def test_file_names_codeowners_cannot_express(gitrepo: GitRepo) -> None:
    gitrepo.write("config/integrations/new co.yaml", gitrepo.read(ACME).replace("acme-emea", "x"))
    (gitrepo.path / ACME).unlink()
    with pytest.raises(UserError, match=r"new co\.yaml:1:1: the file name contains ` `"):
        codeowners.run(["config/"])


def test_the_shipped_codeowners_is_up_to_date(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    current, wanted = codeowners.expected(["config/"], ".github/CODEOWNERS")
    assert current == wanted, "run `coupa-gitops codeowners` and commit .github/CODEOWNERS"

"""controller.gitops.gitdiff against real temporary repositories."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from controller import cli, config
from controller.config.model import Mode
from controller.errors import UserError
from controller.gitops import gitdiff

from .conftest import ACME, GLOBEX, GitRepo


def test_nothing_changed_is_empty(gitrepo: GitRepo) -> None:
    changes = gitdiff.changed_since("HEAD", ["config/"])
    assert changes.is_empty
    assert not changes.widen_to_all
    assert changes.base_commit == gitrepo.repo.head.commit.hexsha
    assert Path(changes.root) == gitrepo.path.resolve()


def test_addition_committed_and_untracked(gitrepo: GitRepo) -> None:
    base = gitrepo.repo.head.commit.hexsha
    gitrepo.write("config/integrations/newco.yaml", gitrepo.read(ACME))
    gitrepo.commit("add newco")
    gitrepo.write("config/integrations/wip.yml", "metadata: {name: wip}\n")  # never git-added
    changes = gitdiff.changed_since(base, ["config/"])
    assert changes.added == ("config/integrations/newco.yaml", "config/integrations/wip.yml")
    assert changes.modified == changes.deleted == changes.renamed == ()


def test_edit_staged_and_unstaged(gitrepo: GitRepo) -> None:
    gitrepo.replace(ACME, "mode: test", "mode: live")
    gitrepo.repo.git.add(ACME)
    gitrepo.replace(GLOBEX, "Finance Systems,", "Finance Ops,")
    changes = gitdiff.changed_since("HEAD", ["config/"])
    assert changes.modified == (ACME, GLOBEX)
    assert dict(changes.base_names) == {ACME: "acme-emea", GLOBEX: "globex-us"}
    assert changes.head_files == (ACME, GLOBEX)


def test_rename(gitrepo: GitRepo) -> None:
    gitrepo.repo.git.mv(ACME, "config/integrations/acme.yaml")
    gitrepo.commit("rename")
    changes = gitdiff.changed_since("HEAD~1", ["config/"])
    assert changes.renamed == ((ACME, "config/integrations/acme.yaml"),)
    assert changes.added == changes.deleted == ()
    assert changes.base_files == (ACME,)
    assert changes.head_files == ("config/integrations/acme.yaml",)


def test_rename_out_of_the_config_dir_is_a_deletion(gitrepo: GitRepo) -> None:
    (gitrepo.path / "attic").mkdir()
    gitrepo.repo.git.mv(GLOBEX, "attic/globex-us.yaml")
    changes = gitdiff.changed_since("HEAD", ["config/"])
    assert changes.deleted == (GLOBEX,)
    assert changes.renamed == changes.added == ()


def test_deletion_is_a_delete_candidate_named_from_the_base(gitrepo: GitRepo) -> None:
    gitrepo.repo.git.rm("-q", GLOBEX)
    gitrepo.commit("remove globex")
    changes = gitdiff.changed_since("HEAD~1", ["config/"])
    assert changes.deleted == (GLOBEX,)
    assert changes.deleted_names == ((GLOBEX, "globex-us"),)


def test_deleted_file_unreadable_at_base_has_no_name(gitrepo: GitRepo) -> None:
    gitrepo.write("config/integrations/broken.yaml", "metadata: [unclosed\n")
    gitrepo.commit("broken file")
    (gitrepo.path / "config/integrations/broken.yaml").unlink()
    changes = gitdiff.changed_since("HEAD", ["config/"])
    assert changes.deleted_names == (("config/integrations/broken.yaml", None),)


@pytest.mark.parametrize("changed", ["schemas/coupa-integration.v1.json", "controller/new_rule.py"])
def test_schema_or_controller_change_widens_to_all(gitrepo: GitRepo, changed: str) -> None:
    gitrepo.write(changed, '{"changed": true}\n')
    changes = gitdiff.changed_since("HEAD", ["config/"])
    assert changes.widen_to_all
    assert changes.widened_by == (changed,)
    assert changes.is_empty  # no config file changed, yet everything is in scope
    assert changes.names_in_scope(config.load(["config/"]).integrations) is None


def test_other_files_do_not_count(gitrepo: GitRepo) -> None:
    gitrepo.write("README.md", "more words\n")
    gitrepo.write("config/notes.txt", "not yaml\n")
    gitrepo.write("elsewhere/x.yaml", "a: 1\n")
    changes = gitdiff.changed_since("HEAD", ["config/"])
    assert changes.is_empty and not changes.widen_to_all


def test_paths_limit_the_scope(gitrepo: GitRepo) -> None:
    gitrepo.replace(ACME, "mode: test", "mode: live")
    gitrepo.replace(GLOBEX, "mode: live", "mode: suspended")
    assert gitdiff.changed_since("HEAD", [GLOBEX]).modified == (GLOBEX,)


def test_paths_relative_to_a_subdirectory(gitrepo: GitRepo, monkeypatch) -> None:
    gitrepo.replace(ACME, "mode: test", "mode: live")
    monkeypatch.chdir(gitrepo.path / "config")
    assert gitdiff.changed_since("HEAD", ["integrations"]).modified == (ACME,)


def test_names_in_scope(gitrepo: GitRepo) -> None:
    gitrepo.replace(ACME, "name: acme-emea", "name: acme-europe")  # renamed integration
    changes = gitdiff.changed_since("HEAD", ["config/"])
    loaded = config.load(["config/"]).integrations
    assert changes.names_in_scope(loaded) == {"acme-europe", "acme-emea"}


def test_mode_at(gitrepo: GitRepo) -> None:
    base = gitrepo.repo.head.commit.hexsha
    gitrepo.replace(ACME, "mode: test", "mode: live")
    gitrepo.commit("go live")
    assert gitdiff.mode_at(base, ACME) is Mode.TEST
    assert gitdiff.mode_at("HEAD", ACME) is Mode.LIVE
    assert gitdiff.mode_at("HEAD", gitrepo.path / GLOBEX) is Mode.LIVE  # absolute path
    assert gitdiff.mode_at("HEAD", "config/integrations/missing.yaml") is None


def test_text_at(gitrepo: GitRepo) -> None:
    assert "name: globex-us" in gitdiff.text_at("HEAD", GLOBEX)
    assert gitdiff.text_at("HEAD", "nope.yaml") is None


def test_missing_ref_is_a_clear_error(gitrepo: GitRepo) -> None:
    with pytest.raises(UserError) as caught:
        gitdiff.changed_since("origin/release-7", ["config/"])
    message = str(caught.value)
    assert "`origin/release-7` does not name a commit in this repository" in message
    assert "git fetch origin release-7" in message
    assert "fetch-depth: 0" in message


def test_relative_ref_beyond_the_history(gitrepo: GitRepo) -> None:
    with pytest.raises(UserError, match=r"`HEAD~5` does not name a commit in this repository"):
        gitdiff.changed_since("HEAD~5", ["config/"])


@pytest.mark.parametrize("ref", ["", "--output=/tmp/x", "main branch"])
def test_option_like_or_blank_refs_are_refused(gitrepo: GitRepo, ref: str) -> None:
    with pytest.raises(UserError, match="is not a git ref"):
        gitdiff.changed_since(ref, ["config/"])


def test_shallow_clone_missing_the_base(gitrepo: GitRepo, tmp_path: Path, monkeypatch) -> None:
    base = gitrepo.repo.head.commit.hexsha
    gitrepo.replace(ACME, "mode: test", "mode: live")
    gitrepo.commit("go live")
    clone = git.Repo.clone_from(f"file://{gitrepo.path}", tmp_path / "shallow", depth=1)
    monkeypatch.chdir(clone.working_tree_dir)
    for ref in (base, "HEAD~1"):
        with pytest.raises(UserError) as caught:
            gitdiff.changed_since(ref, ["config/"])
        message = str(caught.value)
        assert f"`{ref}` is not in this shallow clone" in message
        assert "fetch-depth: 0" in message
    assert "git fetch --unshallow" in message  # the hint for a relative ref
    # The commit that is there still works.
    assert gitdiff.changed_since("HEAD", ["config/"]).is_empty


def test_not_a_git_repository(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "config").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match="is not inside a git repository"):
        gitdiff.changed_since("HEAD", ["config/"])
    assert gitdiff.head_commit() is None


def test_path_outside_the_repository(gitrepo: GitRepo, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="outside the git repository"):
        gitdiff.changed_since("HEAD", [tmp_path])


def test_cli_reports_git_errors_without_a_traceback(gitrepo: GitRepo, capsys) -> None:
    assert cli.main(["intent", "--base", "no-such-branch"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: `no-such-branch` does not name a commit")
    assert "Traceback" not in err


def test_only_gitdiff_imports_git() -> None:
    package = Path(__file__).resolve().parents[2] / "controller"
    importers = sorted(
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if any(
            line.strip().startswith(("import git", "from git ", "from git."))
            for line in p.read_text(encoding="utf-8").splitlines()
        )
    )
    assert importers == ["gitops/gitdiff.py"]

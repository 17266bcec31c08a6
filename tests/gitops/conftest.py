"""Real temporary git repositories (gitpython, no mocks) holding a copy of the example config."""

from __future__ import annotations

import shutil
from pathlib import Path

import git
import pytest

# Copies of the shipped examples, so that editing those does not change what these tests mean.
EXAMPLES = Path(__file__).resolve().parent / "fixtures"
ACME = "config/integrations/acme-emea.yaml"  # mode: test
GLOBEX = "config/integrations/globex-us.yaml"  # mode: live


class GitRepo:
    """A working tree with helpers to change files and commit them."""

    def __init__(self, path: Path):
        self.path = path
        self.repo = git.Repo.init(path, initial_branch="main")
        with self.repo.config_writer() as config:
            config.set_value("user", "name", "Test")
            config.set_value("user", "email", "test@example.com")
            config.set_value("commit", "gpgsign", "false")

    def write(self, rel: str, text: str) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text(encoding="utf-8")

    def replace(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new, 1))

    def commit(self, message: str = "change") -> str:
        self.repo.git.add(A=True)
        self.repo.git.commit("-q", "--allow-empty", "-m", message)
        return self.repo.head.commit.hexsha


@pytest.fixture
def gitrepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A repository whose first commit holds the example config and a schema; cwd is its root."""
    repo = GitRepo(tmp_path / "repo")
    shutil.copytree(EXAMPLES, repo.path / "config" / "integrations")
    repo.write("schemas/coupa-integration.v1.json", "{}\n")
    repo.write("README.md", "config repo\n")
    repo.commit("base")
    monkeypatch.chdir(repo.path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return repo

"""Which config files changed since a git ref, and what they said there (the only git module).

`changed_since(ref, paths)` compares REF with the working tree (committed, staged, unstaged and
untracked files alike), the way `git diff REF` plus `git status` would, and sorts the changed
config files into added, modified, deleted and renamed. A change under `schemas/` or
`controller/` can change how every file is read, so it sets `widen_to_all`.

Paths in a ChangeSet are relative to the repository root, with `/` separators, as git writes
them. Every git failure becomes a UserError that says what to do; none escapes as a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from controller.config.model import Mode, Source
from controller.config.problems import ConfigError
from controller.config.yamldoc import MAX_BYTES, decode, parse
from controller.errors import UserError

try:  # GitPython raises ImportError at import time when there is no git executable
    import git
    from git.exc import GitCommandError, GitCommandNotFound, GitError
except ImportError as _exc:  # pragma: no cover - depends on the machine
    git = None  # type: ignore[assignment]  # no git executable: callers check for None
    _IMPORT_ERROR: str = str(_exc).splitlines()[0] if str(_exc) else "git not found"

SUFFIXES = (".yaml", ".yml")
# A change under one of these top-level directories can change how every config file is read.
WIDENING_DIRS = ("schemas", "controller")


class Sourced(Protocol):
    """What names_in_scope reads of a desired item (an Integration or ChangeWindows)."""

    @property
    def name(self) -> str: ...
    @property
    def source(self) -> Source: ...


@dataclass(frozen=True)
class ChangeSet:
    """Config files that differ between a base ref and the working tree."""

    base: str  # the ref as given, e.g. "origin/main"
    base_commit: str  # the commit it resolved to
    root: str  # absolute path of the working tree
    added: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()  # (path at base, path now)
    # metadata.name at base of every modified, deleted or renamed file (None: unreadable there)
    base_names: tuple[tuple[str, str | None], ...] = ()
    widen_to_all: bool = False
    widened_by: tuple[str, ...] = ()  # the changed files under schemas/ or controller/
    # Changed kind ChangeWindows files (either side): not integrations, kept out of the above.
    windows: tuple[str, ...] = ()

    @property
    def head_files(self) -> tuple[str, ...]:
        """Changed config files as they are now: added, modified, and renamed (new path)."""
        return tuple(sorted({*self.added, *self.modified, *(new for _, new in self.renamed)}))

    @property
    def base_files(self) -> tuple[str, ...]:
        """Changed config files as they were at base: modified, deleted, renamed (old path)."""
        return tuple(sorted({*self.modified, *self.deleted, *(old for old, _ in self.renamed)}))

    @property
    def deleted_names(self) -> tuple[tuple[str, str | None], ...]:
        """(path, integration name at base) of each deleted file: the delete candidates."""
        gone = set(self.deleted)
        return tuple((path, name) for path, name in self.base_names if path in gone)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.modified or self.deleted or self.renamed or self.windows)

    def names_in_scope(self, integrations: Iterable[Sourced]) -> frozenset[str] | None:
        """Names a `--changed-since` plan covers; None means every integration (widened).

        `integrations` are the desired ones loaded now (anything with `.name` and
        `.source.file`); a file's name at base counts too, so a renamed or removed
        integration is planned (as a delete candidate) under its old name.
        """
        if self.widen_to_all:
            return None
        now = {Path(self.root, p) for p in self.head_files}
        names = {i.name for i in integrations if Path(i.source.file).resolve() in now}
        names.update(name for _, name in self.base_names if name)
        return frozenset(names)


# --- opening the repository and resolving refs, with errors a person can act on ---


def _open(repo_dir: str | os.PathLike[str]) -> git.Repo:
    if git is None:  # pragma: no cover - depends on the machine
        raise UserError(f"git is needed for this command but was not found ({_IMPORT_ERROR})")
    try:
        repo = git.Repo(repo_dir, search_parent_directories=True)
    except git.NoSuchPathError:
        raise UserError(f"{repo_dir}: no such directory") from None
    except git.InvalidGitRepositoryError:
        raise UserError(
            f"{os.path.abspath(repo_dir)} is not inside a git repository; "
            "run this from a clone of your config repository"
        ) from None
    if repo.bare:
        raise UserError(f"{repo.git_dir} is a bare repository; this needs a working tree")
    return repo


def _work_tree(repo: git.Repo) -> Path:
    """The resolved root of the repository's working tree."""
    if repo.working_tree_dir is None:  # _open refused a bare repository already
        raise UserError(f"{repo.git_dir} is a bare repository; this needs a working tree")
    return Path(repo.working_tree_dir).resolve()


def _is_shallow(repo: git.Repo) -> bool:
    return os.path.exists(os.path.join(repo.git_dir, "shallow"))


def _git_message(exc: GitError) -> str:
    stderr = getattr(exc, "stderr", "") or ""
    lines = [ln.strip() for ln in str(stderr).strip().strip("'").splitlines() if ln.strip()]
    return lines[-1].removeprefix("stderr: ").strip("' ") if lines else str(exc)


def _resolve(repo: git.Repo, ref: str) -> str:
    """The commit `ref` names, or a UserError that explains how to make it available."""
    if not ref or ref.startswith("-") or any(c.isspace() or c == "\0" for c in ref):
        raise UserError(f"`{ref}` is not a git ref; pass a branch, tag or commit, e.g. origin/main")
    try:
        sha: str = repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
        return sha.strip()
    except GitCommandNotFound as exc:  # pragma: no cover - depends on the machine
        raise UserError(f"git is needed for this command but was not found ({exc})") from None
    except GitCommandError:
        pass
    relative = any(c in ref for c in "~^@") or ref.startswith("HEAD")
    if _is_shallow(repo):
        fetch = "git fetch --unshallow" if relative else f"git fetch origin {_branch(ref)}"
        raise UserError(
            f"`{ref}` is not in this shallow clone: its history stops before the base commit. "
            f"Fetch it (`{fetch}`), or check out with more history "
            "(GitHub Actions: actions/checkout with `fetch-depth: 0`)"
        )
    if relative:
        raise UserError(f"`{ref}` does not name a commit in this repository's history")
    raise UserError(
        f"`{ref}` does not name a commit in this repository. Check the spelling, or fetch it "
        f"first (`git fetch origin {_branch(ref)}`; GitHub Actions: actions/checkout with "
        "`fetch-depth: 0`)"
    )


def _branch(ref: str) -> str:
    return ref.removeprefix("refs/remotes/").removeprefix("origin/")


def _in_repo(root: Path, path: str | os.PathLike[str]) -> str:
    """A path (absolute, or relative to the current directory) as git writes it in `root`."""
    full = Path(path).resolve()
    try:
        rel = full.relative_to(root)
    except ValueError:
        raise UserError(f"{path}: outside the git repository at {root}") from None
    return rel.as_posix() if rel.parts else ""


def _root_relative(root: Path, path: str | os.PathLike[str]) -> str:
    """A path given relative to the repository root (as in a ChangeSet), or absolute."""
    return _in_repo(root, path) if os.path.isabs(path) else Path(path).as_posix().lstrip("/")


def _under(path: str, scopes: tuple[str, ...]) -> bool:
    return any(s == "" or path == s or path.startswith(s.rstrip("/") + "/") for s in scopes)


def _is_config(path: str, scopes: tuple[str, ...]) -> bool:
    return path.endswith(SUFFIXES) and _under(path, scopes)


def _blob(repo: git.Repo, commit: str, path: str) -> bytes | None:
    try:
        obj = repo.commit(commit).tree / path
    except KeyError:
        return None
    if obj.type != "blob":
        return None
    if obj.size > MAX_BYTES:  # decode() reports it; no need to read the whole blob
        return b"\0" * (MAX_BYTES + 1)
    data: bytes = obj.data_stream.read()
    return data


WINDOWS_KIND = "ChangeWindows"


def _data_in(file: str, raw: bytes | None) -> dict[str, object] | None:
    """A file's parsed document (None: absent or unreadable)."""
    if raw is None:
        return None
    try:
        return parse(file, decode(file, raw)).data
    except ConfigError:
        return None


def _kind_in(file: str, raw: bytes | None) -> str | None:
    """The `kind` a file declares (None: absent, unreadable, or no kind)."""
    data = _data_in(file, raw)
    kind = data.get("kind") if data is not None else None
    return kind if isinstance(kind, str) else None


def _head_raw(root: Path, path: str) -> bytes | None:
    try:
        with (root / path).open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError:
        return None


def _name_in(file: str, raw: bytes | None) -> str | None:
    data = _data_in(file, raw)
    meta = data.get("metadata") if data is not None else None
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name else None


# --- the public functions ---


def changed_since(
    ref: str,
    paths: Iterable[str | os.PathLike[str]] = ("config/",),
    repo_dir: str | os.PathLike[str] = ".",
) -> ChangeSet:
    """Config files under `paths` that differ between `ref` and the working tree.

    `paths` are relative to the current directory (like every CLI path) or absolute.
    """
    repo = _open(repo_dir)
    root = _work_tree(repo)
    commit = _resolve(repo, ref)
    scopes = tuple(_in_repo(root, p) for p in paths)

    try:
        diffs = list(repo.commit(commit).diff(None))  # a = ref, b = working tree; renames on
        untracked = list(repo.untracked_files)
    except GitError as exc:
        raise UserError(f"git diff {ref} failed: {_git_message(exc)}") from None

    added: set[str] = set()
    modified: set[str] = set()
    deleted: set[str] = set()
    renamed: set[tuple[str, str]] = set()
    touched: set[str] = set()
    for d in diffs:
        # a_path is None only for a new file, b_path only for a deleted one: never read then
        old, new = d.a_path or "", d.b_path or ""
        touched.update(p for p in (old, new) if p)
        if d.new_file:
            if _is_config(new, scopes):
                added.add(new)
        elif d.deleted_file:
            if _is_config(old, scopes):
                deleted.add(old)
        elif d.renamed_file:
            was, now = _is_config(old, scopes), _is_config(new, scopes)
            if was and now:
                renamed.add((old, new))
            elif was:
                deleted.add(old)
            elif now:
                added.add(new)
        elif _is_config(new, scopes):
            modified.add(new)
    for path in untracked:
        touched.add(path)
        if _is_config(path, scopes):
            added.add(path)

    widened_by = sorted(p for p in touched if p.split("/", 1)[0] in WIDENING_DIRS)

    # ChangeWindows files are not integrations: set them apart, side by side. A file that
    # changed kind is an integration removed or added, plus a windows change.
    def windows_at_base(path: str) -> bool:
        return _kind_in(path, _blob(repo, commit, path)) == WINDOWS_KIND

    def windows_now(path: str) -> bool:
        return _kind_in(path, _head_raw(root, path)) == WINDOWS_KIND

    windows: set[str] = set()
    for path in sorted(added):
        if windows_now(path):
            added.discard(path)
            windows.add(path)
    for path in sorted(deleted):
        if windows_at_base(path):
            deleted.discard(path)
            windows.add(path)
    for path in sorted(modified):
        was, now = windows_at_base(path), windows_now(path)
        if was or now:
            modified.discard(path)
            windows.add(path)
            if not was:
                deleted.add(path)
            elif not now:
                added.add(path)
    for old, new in sorted(renamed):
        was, now = windows_at_base(old), windows_now(new)
        if was or now:
            renamed.discard((old, new))
            windows.update((old, new) if was and now else (old if was else new,))
            if not was:
                deleted.add(old)
            elif not now:
                added.add(new)

    base_files = sorted({*modified, *deleted, *(old for old, _ in renamed)})
    return ChangeSet(
        base=ref,
        base_commit=commit,
        root=str(root),
        added=tuple(sorted(added)),
        modified=tuple(sorted(modified)),
        deleted=tuple(sorted(deleted)),
        renamed=tuple(sorted(renamed)),
        base_names=tuple((p, _name_in(p, _blob(repo, commit, p))) for p in base_files),
        widen_to_all=bool(widened_by),
        widened_by=tuple(widened_by),
        windows=tuple(sorted(windows)),
    )


def text_at(
    ref: str, path: str | os.PathLike[str], repo_dir: str | os.PathLike[str] = "."
) -> str | None:
    """The text of `path` (relative to the repository root, or absolute) at `ref`.

    None when the file does not exist there; a ConfigError when it is not UTF-8 or too large.
    """
    repo = _open(repo_dir)
    root = _work_tree(repo)
    rel = _root_relative(root, path)
    raw = _blob(repo, _resolve(repo, ref), rel)
    return None if raw is None else decode(rel, raw)


def mode_at(
    ref: str, path: str | os.PathLike[str], repo_dir: str | os.PathLike[str] = "."
) -> Mode | None:
    """`spec.mode` of the file at `ref` (default `test`); None when absent or unreadable there."""
    try:
        text = text_at(ref, path, repo_dir)
        data = parse(str(path), text).data if text is not None else None
    except ConfigError:
        return None
    spec = data.get("spec") if isinstance(data, dict) else None
    if not isinstance(spec, dict):
        return None
    try:
        return Mode(spec.get("mode", Mode.TEST.value))
    except ValueError:
        return None


def head_commit(start: str | os.PathLike[str] = ".") -> str | None:
    """The commit checked out at `start` (for the coupa-gitops:commit tag), or None outside git."""
    if git is None:
        return None
    try:
        repo = git.Repo(start, search_parent_directories=True)
        return repo.head.commit.hexsha
    except (GitError, ValueError):
        return None


def past_versions(
    paths: Iterable[str | os.PathLike[str]], repo_dir: str | os.PathLike[str] = "."
) -> tuple[tuple[str, str], ...]:
    """(path, text) of every committed version of every config file under `paths`.

    A full plan reads the accounts these name: an integration whose file is gone, or whose
    file moved it to another account, leaves its preference where an older version put it,
    and that place is written nowhere else. Each distinct blob is read once. Empty outside
    git, or in a shallow clone without the history (fetch it with fetch-depth: 0).
    """
    if git is None:
        return ()
    try:
        repo = git.Repo(repo_dir, search_parent_directories=True)
        root = _work_tree(repo)
        scopes = tuple(_in_repo(root, Path(p).resolve()) for p in paths)
        log = repo.git.log("--raw", "--no-abbrev", "--no-renames", "--format=", "--", *scopes)
    except (GitError, ValueError, UserError):
        return ()
    blobs: dict[str, str] = {}
    for line in log.splitlines():
        meta, _, path = line.partition("\t")
        fields = meta.split()
        if len(fields) < 5 or not _is_config(path, scopes):
            continue
        for sha in fields[2:4]:  # the version before and after the commit
            if set(sha) != {"0"}:
                blobs.setdefault(sha, path)
    found = []
    for sha, path in blobs.items():
        try:
            raw = repo.odb.stream(bytes.fromhex(sha)).read(MAX_BYTES + 1)
            found.append((path, decode(path, raw)))
        except (GitError, ValueError, ConfigError):
            continue
    return tuple(sorted(found))

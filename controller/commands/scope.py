"""Which integrations a run covers, and where their preferences may be (git history)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from controller import config
from controller.config.calendar import Window
from controller.config.model import Integration
from controller.engine.plan import Plan

if TYPE_CHECKING:
    from controller.engine.shard import Shard

DEFAULT_CONCURRENCY = 8  # AWS billing APIs throttle: more rarely helps, botocore backs off


def now() -> datetime:
    """The real clock: apply evaluates change windows at it, and nothing moves it."""
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def head_commit(start: str | os.PathLike[str] = ".") -> str | None:
    """The commit of the config checkout, or None outside git."""
    from controller.gitops import gitdiff

    return gitdiff.head_commit(start)


@dataclass(frozen=True)
class Scope:
    """Which integrations a run covers and which orphans it may delete (None: all)."""

    items: tuple[Integration, ...]
    prune: frozenset[str] | None
    # Integrations whose files are gone: read only to find where to look for their orphans.
    removed: tuple[Integration, ...] = ()
    windows: tuple[Window, ...] = ()  # every deny window of every ChangeWindows file


def _past(
    files: Iterable[tuple[str, str | None]], current: Iterable[Integration]
) -> tuple[Integration, ...]:
    """Integrations of past file versions that live somewhere no current file points at.

    They are read only to know where to look: the orphan of a removed file, or the old
    preference of an integration whose file moved it to another account. A past version
    that was invalid has no readable account, so nothing can be found through it.
    """
    here = {(i.name, i.account, i.region, i.role_arn) for i in current}
    found: dict[tuple[str, str, str, str | None], Integration] = {}
    for path, text in files:
        try:
            item = config.load_text(path, text) if text is not None else None
        except config.ConfigError:
            continue
        if isinstance(item, Integration):  # a ChangeWindows file lives nowhere in AWS
            key = (item.name, item.account, item.region, item.role_arn)
            if key not in here:
                found.setdefault(key, item)
    return tuple(found.values())


def load_scope(paths: list[str], changed_since: str | None = None) -> Scope:
    """Valid integrations under `paths` (a ConfigError lists every problem otherwise)."""
    from controller.gitops import gitdiff

    loaded = config.load(paths)
    items, windows = loaded.require_valid(), loaded.windows
    if not changed_since:
        return Scope(items, None, _past(gitdiff.past_versions(paths), items), windows)
    changes = gitdiff.changed_since(changed_since, paths)
    names = changes.names_in_scope(items)
    if names is None:
        return Scope(items, None, _past(gitdiff.past_versions(paths), items), windows)
    # The base version of every file the change touched: where its preference is today.
    based = (*changes.modified, *changes.deleted, *(old for old, _ in changes.renamed))
    base = [(p, gitdiff.text_at(changes.base_commit, p, changes.root)) for p in based]
    in_scope = tuple(i for i in items if i.name in names)
    return Scope(in_scope, frozenset(names), _past(base, in_scope), windows)


def scope_of_plan(paths: list[str], plan: Plan) -> Scope:
    """The scope a saved plan was made for, over today's files."""
    from controller.gitops import gitdiff

    loaded = config.load(paths)
    items, windows = loaded.require_valid(), loaded.windows
    past = _past(gitdiff.past_versions(paths), items)
    if plan.scope is None:
        return Scope(items, None, past, windows)
    names = frozenset(plan.scope)
    return Scope(tuple(i for i in items if i.name in names), names, past, windows)


def sharded(scope: Scope, shard: Shard | None) -> Scope:
    """The part of `scope` in the accounts of `shard` (a Shard; None: all of it)."""
    if shard is None:
        return scope
    # replace(), not a new Scope: every other field (the change windows!) must hold in a
    # shard exactly as in a whole run.
    return replace(
        scope,
        items=tuple(i for i in scope.items if shard.holds(i.account)),
        # Past versions are read by their own account: an orphan is found by the shard reading it.
        removed=tuple(i for i in scope.removed if shard.holds(i.account)),
    )

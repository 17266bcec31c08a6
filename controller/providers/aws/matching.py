"""Which live preference each file describes: name tag, identity, renames, duplicates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from controller.config.model import Integration
from controller.engine.desired import Desired
from controller.engine.plan import (
    Duplicate,
)
from controller.providers.aws.state import (
    LivePreference,
)

# --- matching: which live preference each file describes ---


@dataclass(frozen=True)
class Match:
    by_key: dict[tuple[str, str], LivePreference]  # (account, name) -> the preference
    unmanaged: tuple[LivePreference, ...]
    duplicates: tuple[Duplicate, ...]


def _rank(
    pref: LivePreference, wanted: dict[tuple[str, str], Integration]
) -> tuple[bool, bool, str]:
    item = wanted.get((pref.account, pref.managed_name or ""))
    same = item is not None and item.natural_key == pref.natural_key
    return (not same, pref.live_mode is None, pref.arn)


def match_preferences(prefs: Iterable[LivePreference], desired: Sequence[Desired]) -> Match:
    """Managed preferences by (account, name tag); the same ARN read twice counts once."""
    wanted = {(d.integration.account, d.integration.name): d.integration for d in desired}
    unique = {p.arn: p for p in sorted(prefs, key=lambda p: (p.arn, p.role_arn or ""))}
    groups: dict[tuple[str, str], list[LivePreference]] = {}
    unmanaged = []
    for pref in unique.values():
        if pref.managed_name is None:
            unmanaged.append(pref)
        else:
            groups.setdefault((pref.account, pref.managed_name), []).append(pref)
    by_key, duplicates = {}, []
    for key, group in groups.items():
        kept, *extra = sorted(group, key=lambda p: _rank(p, wanted))
        by_key[key] = kept
        duplicates += [Duplicate(p.arn, p.account, p.region, key[1], kept.arn) for p in extra]
    return Match(by_key, tuple(unmanaged), tuple(duplicates))


def renamed_from(
    item: Integration, orphans: dict[tuple[str, str], LivePreference]
) -> LivePreference | None:
    """An orphan in the same account with this file's identity: the file was renamed."""
    return next(
        (
            p
            for (account, _), p in sorted(orphans.items())
            if account == item.account and p.natural_key == item.natural_key
        ),
        None,
    )

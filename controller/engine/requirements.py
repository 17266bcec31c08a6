"""Apply requirements: what may run now, decided before anything is written.

Named checks in a table (approval for go-live, flags for replace and delete), the change
windows that hold a change back, and readiness. Every refusal happens before the first write,
so a blocked apply changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from controller.engine.plan import Action, Change, Gate, Plan, title
from controller.engine.reviewer import allowed_sentence, window_sentence
from controller.errors import BlockedError, UserError


@dataclass(frozen=True)
class Options:
    allow_go_live: bool = False
    skip_go_live: bool = False
    allow_replace: bool = False
    allow_delete: bool = False
    # Deny windows to go through (each must say `override: allowed`); only with allow_go_live.
    override_windows: tuple[str, ...] = ()


def describe(change: Change) -> str:
    return title(change)


# Apply requirements as named checks: (name, applies to, satisfied by options, how to satisfy).
# Unsatisfied go-live approval with --skip-go-live leaves the change pending instead.
REQUIREMENTS: tuple[tuple[str, Callable[[Change], bool], Callable[[Options], bool], str], ...] = (
    (
        "go-live approved",
        lambda c: c.gate is Gate.GO_LIVE,
        lambda o: o.allow_go_live,
        "go-live changes run only with --allow-go-live, in the approved `go-live` job",
    ),
    (
        "replace allowed",
        lambda c: c.action is Action.REPLACE,
        lambda o: o.allow_replace,
        "replacing deletes and re-creates the preference: pass --allow-replace",
    ),
    (
        "delete allowed",
        lambda c: c.action is Action.DELETE,
        lambda o: o.allow_delete,
        "deleting stops the integration for good: pass --allow-delete",
    ),
)


@dataclass(frozen=True)
class Gated:
    runnable: tuple[Change, ...]
    pending: tuple[Change, ...]  # waits for an approval (the go-live job)
    # Approved, but waits for AWS: validation and a connection test after this apply's rework.
    waiting: tuple[Change, ...] = ()
    # ((integration, action), the windows it goes through by override) for the record
    overridden: tuple[tuple[tuple[str, str], tuple[str, ...]], ...] = ()

    def overrides_of(self, change: Change) -> tuple[str, ...]:
        return dict(self.overridden).get((change.name, change.action.value), ())


def held_by_windows(change: Change, options: Options) -> tuple[list[str], tuple[str, ...]]:
    """Why open deny windows hold the change back, and the windows it overrides."""
    lines, used = [], []
    for w in change.windows:
        named = w.name in options.override_windows and options.allow_go_live
        if named and w.override_allowed:
            used.append(w.name)
            continue
        if w.override_allowed:
            hint = f" In an emergency: --override-window '{w.name}' --reason TEXT."
        elif named:
            hint = " --override-window names it, but the window does not say `override: allowed`."
        else:
            hint = ""
        lines.append(f"{describe(change)}: {window_sentence(w)} {allowed_sentence(change)}{hint}")
    return lines, tuple(used)


def gate(plan: Plan, options: Options) -> Gated:
    """Which changes may run now; raises before anything is written when one may not."""
    unknown = [
        f"{change.name}: {u.path} ({u.reference}) is unknown: {u.reason}"
        for change, u in plan.unknown
    ]
    if unknown:
        raise UserError(
            "refused, nothing was changed: a value the plan could not read cannot be "
            "compared or written:\n  " + "\n  ".join(unknown)
        )
    runnable: list[Change] = []
    pending: list[Change] = []
    rework: list[Change] = []
    blocked: list[str] = []
    refused: list[str] = []
    windowed: list[str] = []
    overridden: list[tuple[tuple[str, str], tuple[str, ...]]] = []
    # A mode change cannot be ready while this same apply creates, replaces or re-points the
    # preference (AWS wants validation and a connection test afterwards): it waits, it is
    # not refused, so the rest of the approved apply still runs.
    reworked = {
        c.name for c in plan.actionable if c.action is not Action.STATUS and c.provider == "aws"
    }
    for change in plan.actionable:
        if change.blockers:
            refused.extend(f"{describe(change)}: {b}" for b in change.blockers)
            continue
        go_live = change.gate is Gate.GO_LIVE
        if go_live and options.skip_go_live and not options.allow_go_live:
            pending.append(change)
            continue
        missing = [
            f"{describe(change)}: {how}"
            for _, applies, satisfied, how in REQUIREMENTS
            if applies(change) and not satisfied(options)
        ]
        window_lines, used = held_by_windows(change, options)
        if missing or window_lines:
            blocked.extend(missing)
            windowed.extend(window_lines)
            continue
        if used:
            overridden.append(((change.name, change.action.value), used))
        waits_for_rework = change.action is Action.STATUS and change.name in reworked
        if go_live and not change.ready and waits_for_rework:
            rework.append(change)
            continue
        if go_live and not change.ready:
            failed = "; ".join(f"{c.name} ({c.detail})" for c in change.readiness if not c.ok)
            refused.append(f"{describe(change)}: not ready: {failed}")
            continue
        runnable.append(change)
    if refused:
        raise UserError("refused, nothing was changed:\n  " + "\n  ".join(refused))
    if blocked or windowed:
        parts = [("needs approval", blocked), ("held back by a change window", windowed)]
        raise BlockedError(
            "\n".join(
                f"{why}, nothing was changed:\n  " + "\n  ".join(lines)
                for why, lines in parts
                if lines
            )
        )
    # Within the same integration a status change waits for its pending update.
    waiting = {c.name for c in pending}
    held = [c for c in runnable if c.action is Action.STATUS and c.name in waiting]
    return Gated(
        tuple(c for c in runnable if c not in held),
        tuple(pending + held),
        tuple(rework),
        tuple(overridden),
    )

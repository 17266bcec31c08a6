"""Readiness: named checks a go-live must pass to be applied; providers contribute them.

A reviewer sees them in the plan before approving, so that nobody approves something that is
bound to fail; apply refuses a go-live whose checks do not pass.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One line of a go-live readiness checklist."""

    name: str
    ok: bool
    detail: str

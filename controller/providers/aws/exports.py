"""What the AWS side tells other providers about each integration (engine/provider.py Exports).

The live mode AWS shows, AWS's PurchaseOrderRetrievalEndpoint per environment (a `Later` when
this apply creates or replaces the preference), and the key of the mode change this plan
makes, so that another system's switch can be ordered around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from controller.config.model import Integration
from controller.engine.golive import Action
from controller.engine.plan import Change
from controller.engine.provider import (
    NEW,
    STATUS_CHANGE,
    STATUS_MODE_AFTER,
    STATUS_READINESS,
    Exports,
    Later,
    key,
    po_endpoint_key,
)
from controller.providers.aws.state import Observed


def exports(
    items: Iterable[Integration], changes: Sequence[Change], observed: Observed
) -> dict[str, Exports]:
    out: dict[str, Exports] = {}
    for item in items:
        own = [
            c
            for c in changes
            if c.provider == "aws"
            and c.name == item.name
            and c.account == item.account
            and c.action is not Action.DELETE
        ]
        live = next(
            (
                p
                for p in observed.preferences
                if p.managed_name == item.name and p.account == item.account
            ),
            None,
        )
        made = next((c for c in own if c.action in (Action.CREATE, Action.REPLACE)), None)
        values: list[tuple[str, object]] = []
        for env in ("production", "test"):
            name = po_endpoint_key(env)
            if made is not None:
                values.append((name, Later(key(made), name)))
            elif live is not None:
                values.append((name, live.po_endpoint(env)))
        new = made is not None and made.action is Action.CREATE and made.mode_before is None
        values.append((NEW, new))
        status = next((c for c in own if c.action is Action.STATUS), None)
        if status is not None:
            values += [
                (STATUS_CHANGE, key(status)),
                (STATUS_MODE_AFTER, status.mode_after),
                (STATUS_READINESS, status.readiness),
            ]
        if made is not None:
            mode = made.mode_before
        else:
            mode = live.live_mode if live is not None else None
        out[item.name] = Exports(item.name, mode, tuple(values))
    return out


def removed_exports(items: Iterable[Integration], changes: Sequence[Change]) -> dict[str, Exports]:
    """For integrations whose file is gone: the mode AWS last showed and this plan's delete."""
    out: dict[str, Exports] = {}
    for item in items:
        delete = next(
            (
                c
                for c in changes
                if c.provider == "aws" and c.name == item.name and c.action is Action.DELETE
            ),
            None,
        )
        values: tuple[tuple[str, object], ...] = (
            ((STATUS_CHANGE, key(delete)),) if delete is not None else ()
        )
        out[item.name] = Exports(item.name, delete.mode_before if delete else None, values)
    return out

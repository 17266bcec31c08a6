"""The Coupa provider's executor: each change as Core API calls, idempotently.

Records are found by name at the moment of the write (Coupa has no client tokens), so a re-run
after a failure finds what the first run created and updates it instead of creating another.
Values another change produced (AWS's PO endpoint) come from `known`; secrets are resolved
only here, never stored in the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from controller.config.model import Integration, SecretRef
from controller.engine.golive import Action
from controller.engine.plan import Change
from controller.engine.provider import Known, Outcome, po_endpoint_key
from controller.errors import UserError
from controller.providers.coupa.client import CoupaClient
from controller.providers.coupa.resources import (
    COMMODITIES,
    LATER,
    SECRET_FIELDS,
    STATUS_FIELD,
    SUPPLIERS,
    endpoint,
    environments,
    host_of,
)

SecretOf = Callable[[SecretRef, Integration], str]


class CoupaExecutor:
    """Runs Coupa changes through one `CoupaClient` per instance host."""

    name = "coupa"

    def __init__(
        self,
        clients: Mapping[str, CoupaClient],
        items: Mapping[str, Integration],
        secret_of: SecretOf,
    ) -> None:
        self.clients = clients
        self.items = items
        self.secret_of = secret_of

    def _client(self, change: Change) -> CoupaClient:
        client = self.clients.get(change.scope)
        if client is None:
            raise UserError(f"no Coupa API client for {change.scope}")
        return client

    def _environment(self, item: Integration, host: str) -> str:
        for env in environments(item):
            if host_of(endpoint(item, env).instance_url) == host:
                return env
        raise UserError(f"{item.name} manages no Coupa instance at {host}")

    def _value(self, item: Integration, env: str, path: str, after: object, known: Known) -> object:
        if path in SECRET_FIELDS:
            return self.secret_of(endpoint(item, env).shared_secret, item)
        if after == LATER:
            name = po_endpoint_key(env)
            for outputs in known.values():
                if outputs.get(name):
                    return outputs[name]
            raise UserError(f"{item.name}: AWS's {name} is not known: apply again")
        return after

    def _supplier(self, change: Change, known: Known) -> str:
        if change.name not in self.items and change.arn and change.target_status:
            # A removed integration's supplier: no DELETE in Coupa, so set it inactive.
            self._client(change).update(
                SUPPLIERS, int(change.arn), {STATUS_FIELD: change.target_status}
            )
            return f"supplier {change.arn} is {change.target_status} at {change.scope}"
        item = self.items[change.name]
        assert item.coupa is not None
        env = self._environment(item, change.scope)
        client = self._client(change)
        name = item.coupa.supplier.name
        body: dict[str, Any] = {}
        for f in change.fields:
            path = f.path.removeprefix("supplier.")
            if path != "name":
                body[path] = self._value(item, env, path, f.after, known)
        found = client.find_one(SUPPLIERS, name=name)
        if found is None:
            if change.action is not Action.CREATE:
                raise UserError(f"supplier {name!r} is gone from Coupa at {change.scope}")
            made = client.create(SUPPLIERS, {"name": name, **body})
            return f"created supplier {name!r} (id {made.get('id')}) at {change.scope}"
        client.update(SUPPLIERS, int(found["id"]), body)
        if change.action is Action.STATUS:
            return f"supplier {name!r} is {body.get(STATUS_FIELD)} at {change.scope}"
        return f"updated supplier {name!r} ({len(body)} field(s)) at {change.scope}"

    def _commodity(self, change: Change) -> str:
        client = self._client(change)
        (f,) = change.fields
        code = f.path.split(".")[1]
        item = self.items[change.name]
        assert item.coupa is not None
        name = dict(item.coupa.commodities)[code]
        found = client.find_one(COMMODITIES, name=name)
        if found is None:
            made = client.create(COMMODITIES, {"name": name, "active": True})
            return f"created commodity {name!r} (id {made.get('id')}) at {change.scope}"
        client.update(COMMODITIES, int(found["id"]), {"active": True})
        return f"activated commodity {name!r} at {change.scope}"

    def execute(self, change: Change, known: Known) -> Outcome:
        if change.kind == "commodity":
            return Outcome(self._commodity(change))
        return Outcome(self._supplier(change, known))

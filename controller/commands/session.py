"""One run's access and planning: AWS clients, reader and secrets; each datum read once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from controller.commands.scope import DEFAULT_CONCURRENCY, Scope, now
from controller.config.model import Integration, Role
from controller.engine.desired import Desired
from controller.engine.plan import Plan
from controller.providers.aws.planner import make_plan
from controller.providers.aws.state import Observed

if TYPE_CHECKING:
    from controller.providers.aws.live import Target


class Session:
    """One run's AWS access: clients, reader, secrets; every datum read once."""

    def __init__(
        self, role: Role, concurrency: int = DEFAULT_CONCURRENCY, read_secrets: bool = True
    ):
        from controller.providers.aws.live import Clients
        from controller.providers.aws.reader import Reader
        from controller.secrets import Secrets

        self.role = role
        self.clients = Clients(concurrency=concurrency)
        self.reader = Reader(self.clients)
        self.secrets = Secrets(self.clients, skip=not read_secrets, role=role)
        self.coupa_clients: dict[tuple[str, str], object] = {}  # (host, client id) -> client

    def target(self, item: Integration) -> Target:
        """Where `item` lives, through this session's role."""
        from controller.providers.aws.live import Target

        return Target.of(item, self.role)

    def observe(
        self, items: Iterable[Integration], removed: Iterable[Integration] = ()
    ) -> Observed:
        """Read every account the integrations (and removed ones) live in."""
        from controller.providers.aws.reader import targets_of

        targets = targets_of(removed, self.role) | targets_of(items, self.role)
        return self.reader.observe(targets, names=targets)

    def desired(self, items: Iterable[Integration]) -> list[Desired]:
        return self.secrets.desired(items)

    def plan(self, scope: Scope, commit: str | None, at: datetime | None = None) -> Plan:
        return self.observe_and_plan(scope, commit, at)[1]

    def observe_and_plan(
        self, scope: Scope, commit: str | None, at: datetime | None = None
    ) -> tuple[Observed, Plan]:
        """Observe and plan; change windows at `at` (a what-if for `plan --at`), else now."""
        observed = self.observe(scope.items, scope.removed)
        moment = at or now()
        desired = self.desired(scope.items)
        plan = make_plan(
            desired,
            observed,
            today=moment.date(),
            prune=scope.prune,
            commit=commit,
            now=moment,
            windows=scope.windows,
        )
        if any(i.coupa is not None for i in (*scope.items, *scope.removed)):
            plan = self._with_coupa(desired, observed, plan, scope, commit, moment)
        return observed, plan

    # --- the Coupa side -------------------------------------------------------------------

    def coupa_access(self, items: Iterable[Integration]) -> dict[tuple[str, str], Any]:
        """A CoupaClient per instance (one per host and client id for the run), or why not."""
        from controller.providers.coupa.client import CoupaClient
        from controller.providers.coupa.observe import Unreachable
        from controller.providers.coupa.resources import endpoint, environments, host_of

        out: dict[tuple[str, str], Any] = {}
        for item in items:
            coupa = item.coupa
            if coupa is None:
                continue
            for env in environments(item):
                client_ref = coupa.production if env == "production" else coupa.test
                assert client_ref is not None
                url = endpoint(item, env).instance_url
                ref = client_ref.client_secret
                secret = self.secrets.value(ref, item, required=False)
                if secret is None:
                    why = self.secrets.why(ref, item) or "could not be read"
                    out[(item.name, env)] = Unreachable(str(ref), why, self.secrets.skip)
                    continue
                cache = (host_of(url), client_ref.client_id)
                if cache not in self.coupa_clients:
                    self.coupa_clients[cache] = CoupaClient(url, client_ref.client_id, secret)
                out[(item.name, env)] = self.coupa_clients[cache]
        return out

    def coupa_executor(self, items: Mapping[str, Integration]) -> Any:
        """The Coupa executor over this run's clients (by host)."""
        from controller.providers.coupa.execute import CoupaExecutor

        by_host = {host: client for (host, _), client in self.coupa_clients.items()}
        return CoupaExecutor(
            by_host,  # type: ignore[arg-type]
            items,
            lambda ref, item: self.secrets.value(ref, item, required=True) or "",
        )

    def _with_coupa(
        self,
        desired: list[Desired],
        observed: Observed,
        plan: Plan,
        scope: Scope,
        commit: str | None,
        moment: datetime,
    ) -> Plan:
        """The AWS plan with the Coupa side's changes, ordered around each other."""
        from controller.engine.plan import assemble
        from controller.engine.provider import linked
        from controller.providers.aws.exports import exports, removed_exports
        from controller.providers.coupa.observe import observe
        from controller.providers.coupa.planner import plan_coupa, plan_removed

        items = [i for i in scope.items if i.coupa is not None]
        seen = observe(items, self.coupa_access(items))
        coupa = plan_coupa(desired, seen, exports(items, plan.changes, observed))
        names = {i.name for i in scope.items}
        gone = [i for i in scope.removed if i.coupa is not None and i.name not in names]
        if gone:
            coupa.changes += plan_removed(
                gone, observe(gone, self.coupa_access(gone)), removed_exports(gone, plan.changes)
            ).changes
        return assemble(
            [*linked(plan.changes, coupa.edges), *coupa.changes],
            items=(d.integration for d in desired),
            today=moment.date(),
            unmanaged=plan.unmanaged,
            duplicates=plan.duplicates,
            notes=(*plan.notes, *coupa.notes),
            prune=scope.prune,
            commit=commit,
            now=moment,
            windows=scope.windows,
        )

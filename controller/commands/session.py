"""One run's access and planning: AWS clients, reader and secrets; each datum read once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

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
        from controller.providers.aws.live import Clients, Reader
        from controller.secrets import Secrets

        self.role = role
        self.clients = Clients(concurrency=concurrency)
        self.reader = Reader(self.clients)
        self.secrets = Secrets(self.clients, skip=not read_secrets, role=role)

    def target(self, item: Integration) -> Target:
        """Where `item` lives, through this session's role."""
        from controller.providers.aws.live import Target

        return Target.of(item, self.role)

    def observe(
        self, items: Iterable[Integration], removed: Iterable[Integration] = ()
    ) -> Observed:
        """Read every account the integrations (and removed ones) live in."""
        from controller.providers.aws.live import targets_of

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
        plan = make_plan(
            self.desired(scope.items),
            observed,
            today=moment.date(),
            prune=scope.prune,
            commit=commit,
            now=moment,
            windows=scope.windows,
        )
        return observed, plan

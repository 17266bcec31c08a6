"""What was read from Coupa for one run, as plain immutable values (built by `observe`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Commodity:
    name: str
    id: int | None  # None: no commodity with this name
    active: bool = False


@dataclass(frozen=True)
class InstanceState:
    """One integration's records on one Coupa instance (secrets only as digests)."""

    integration: str
    environment: str  # production | test
    host: str
    supplier: tuple[tuple[str, object], ...] | None = None  # None: no supplier with the name
    supplier_id: int | None = None
    commodities: tuple[tuple[str, Commodity], ...] = ()  # (UNSPSC code, what was found)
    # Could not read (client secret unreadable, Coupa refused): nothing here is known.
    error: str | None = None
    reference: str = ""  # what could not be read (a secret reference or the instance)
    skipped: bool = False  # not read on purpose (--no-secrets): not a sign of change

    @property
    def supplier_fields(self) -> dict[str, object]:
        return dict(self.supplier or ())


@dataclass(frozen=True)
class CoupaObserved:
    instances: tuple[InstanceState, ...] = ()

    def of(self, integration: str, environment: str) -> InstanceState | None:
        return next(
            (
                i
                for i in self.instances
                if (i.integration, i.environment) == (integration, environment)
            ),
            None,
        )

"""Pure builders for the unit tests: integrations from the example YAML, live preferences as
`GetProcurementPortalPreference` would return them, and desired states with secret digests."""

from __future__ import annotations

from datetime import date

from controller import config
from controller.config.model import Integration
from controller.engine.desired import Desired
from controller.engine.plan import Plan
from controller.providers.aws.live import Target
from controller.providers.aws.planner import make_plan
from controller.providers.aws.reader import to_live
from controller.providers.aws.state import ACTIVE, SUSPENDED, LivePreference, Observed
from controller.providers.aws.translate import create_body, secret_digest
from controller.secrets import refs_of

from .helpers import integration_yaml

TODAY = date(2026, 6, 1)
SECRET_VALUES = {
    "ACME_COUPA_SECRET": "unit-secret-prod-Zq81",
    "ACME_COUPA_TEST_SECRET": "unit-secret-test-Zq82",
}
PENDING = ("PENDING_VERIFICATION", "PENDING_VERIFICATION")


def item(name: str = "acme-emea", **values) -> Integration:
    return config.load_text(f"config/{name}.yaml", integration_yaml(name, **values))


def desired(
    it: Integration, secrets: dict[str, str] | None = None, unresolved: tuple[str, ...] = ()
) -> Desired:
    secrets = SECRET_VALUES if secrets is None else secrets
    return Desired(
        it,
        tuple(
            (ref, None if ref.name in unresolved else secret_digest(secrets[ref.name]))
            for ref in refs_of(it)
        ),
    )


def live(
    it: Integration,
    statuses: tuple[str | None, str | None] = PENDING,
    *,
    version: int = 3,
    managed: bool = True,
    secrets: dict[str, str] | None = None,
    arn: str | None = None,
    extra_tags: dict[str, str] | None = None,
    mode_tag: str | None = "",
) -> LivePreference:
    """The preference AWS would hold for `it` (same values unless told otherwise)."""
    secrets = SECRET_VALUES if secrets is None else secrets
    doc = create_body(it, {ref: secrets[ref.name] for ref in refs_of(it)})
    doc.update(
        ProcurementPortalPreferenceArn=arn
        or f"arn:aws:invoicing::{it.account}:procurement-portal-preference/{it.name}",
        AwsAccountId=it.account,
        Version=version,
    )
    if statuses[0]:
        doc["EinvoiceDeliveryPreferenceStatus"] = statuses[0]
    if statuses[1]:
        doc["PurchaseOrderRetrievalPreferenceStatus"] = statuses[1]
    tags = {**dict(it.tags), **(extra_tags or {})}
    if managed:
        tags["coupa-gitops:name"] = it.name
        tags["coupa-gitops:commit"] = "0" * 40
        if mode_tag == "":  # what the tool would have recorded for these statuses
            found = {s for s in statuses if s}
            mode_tag = "live" if ACTIVE in found else "suspended" if SUSPENDED in found else "test"
        if mode_tag is not None:
            tags["coupa-gitops:mode"] = mode_tag
    return to_live(
        Target(it.account, it.region), doc, [{"Key": k, "Value": v} for k, v in tags.items()]
    )


def plan_of(
    wanted: list[Integration | Desired],
    prefs: list[LivePreference] = (),
    *,
    today: date = TODAY,
    prune: frozenset[str] | None = None,
) -> Plan:
    ds = [w if isinstance(w, Desired) else desired(w) for w in wanted]
    return make_plan(ds, Observed(tuple(prefs)), today=today, prune=prune, commit="c0ffee")

"""The Coupa planner alone (pure): gates, known-after-apply and the order around AWS."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from controller.config import load_text
from controller.config.model import Integration, Mode
from controller.engine.desired import Desired, secret_digest
from controller.engine.golive import Action, Gate
from controller.engine.provider import Exports, Later, key
from controller.providers.coupa.observe import supplier_fields
from controller.providers.coupa.planner import plan_coupa
from controller.providers.coupa.resources import desired_supplier
from controller.providers.coupa.state import Commodity, CoupaObserved, InstanceState

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "integrations" / "acme-emea.yaml"
AWS_CREATE = "aws:procurement-portal-preference::acme-emea:create"
AWS_STATUS = "aws:procurement-portal-preference::acme-emea:status"
URL = "https://po.example/cxml"


def _item(mode: Mode = Mode.TEST) -> Integration:
    item = load_text("acme-emea.yaml", EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(item, Integration)
    return replace(item, mode=mode)


def _desired(item: Integration) -> Desired:
    refs = [item.production.shared_secret] + ([item.test.shared_secret] if item.test else [])
    return Desired(item, tuple((r, secret_digest(f"secret-{r.name}")) for r in refs))


def _commodities(item: Integration) -> tuple[tuple[str, Commodity], ...]:
    assert item.coupa is not None
    return tuple(
        (code, Commodity(name, n, True)) for n, (code, name) in enumerate(item.coupa.commodities)
    )


def _wired(item: Integration, env: str, status: str) -> InstanceState:
    where = item.production if env == "production" else item.test
    assert where is not None
    record = desired_supplier(item, env, URL, f"secret-{where.shared_secret.name}")
    record["status"] = status
    host = "acme.coupahost.com" if env == "production" else "acme-test.coupahost.com"
    return InstanceState(item.name, env, host, supplier_fields(record), 7, _commodities(item))


def test_a_new_integration_waits_for_aws_and_shows_the_url_as_known_after_apply() -> None:
    item = _item()
    assert item.coupa is not None
    missing = tuple((code, Commodity(name, None)) for code, name in item.coupa.commodities)
    seen = CoupaObserved(
        tuple(
            InstanceState(item.name, env, h, commodities=missing)
            for env, h in (
                ("production", "acme.coupahost.com"),
                ("test", "acme-test.coupahost.com"),
            )
        )
    )
    x = Exports(
        item.name,
        None,
        (
            ("po_endpoint.production", Later(AWS_CREATE, "po_endpoint.production")),
            ("po_endpoint.test", Later(AWS_CREATE, "po_endpoint.test")),
            ("new", True),
        ),
    )
    plan = plan_coupa([_desired(item)], seen, {item.name: x})
    suppliers = [c for c in plan.changes if c.kind == "supplier"]
    assert [c.action for c in suppliers] == [Action.CREATE, Action.CREATE]
    assert all(c.after == (AWS_CREATE,) and c.gate is Gate.ROUTINE for c in suppliers)
    url = next(f for f in suppliers[0].fields if f.path == "supplier.cxml-url")
    assert url.after == "(known after apply)"
    assert sum(c.kind == "commodity" for c in plan.changes) == 6


def test_going_live_activates_coupa_first_and_suspending_stops_aws_first() -> None:
    live = _item(Mode.LIVE)
    seen = CoupaObserved((_wired(live, "production", "inactive"), _wired(live, "test", "active")))
    x = Exports(
        live.name,
        Mode.TEST,
        (
            ("po_endpoint.production", URL),
            ("po_endpoint.test", URL),
            ("status_change", AWS_STATUS),
            ("status_mode_after", Mode.LIVE),
        ),
    )
    plan = plan_coupa([_desired(live)], seen, {live.name: x})
    (status,) = plan.changes
    assert status.action is Action.STATUS and status.gate is Gate.GO_LIVE
    assert plan.edges == {AWS_STATUS: (key(status),)}  # AWS goes ACTIVE after Coupa

    suspended = _item(Mode.SUSPENDED)
    seen = CoupaObserved(
        (_wired(suspended, "production", "active"), _wired(suspended, "test", "active"))
    )
    x = Exports(
        suspended.name,
        Mode.LIVE,
        (
            ("po_endpoint.production", URL),
            ("po_endpoint.test", URL),
            ("status_change", AWS_STATUS),
            ("status_mode_after", Mode.SUSPENDED),
        ),
    )
    plan = plan_coupa([_desired(suspended)], seen, {suspended.name: x})
    (status,) = plan.changes
    assert status.after == (AWS_STATUS,) and plan.edges == {}  # Coupa goes inactive after AWS
    assert status.gate is Gate.GO_LIVE


def test_an_unknown_live_mode_makes_every_coupa_change_go_live() -> None:
    item = _item()
    seen = CoupaObserved((_wired(item, "production", "inactive"), _wired(item, "test", "inactive")))
    x = Exports(item.name, None, (("po_endpoint.production", URL), ("po_endpoint.test", URL)))
    plan = plan_coupa([_desired(item)], seen, {item.name: x})
    (update,) = plan.changes  # the test supplier must be active
    assert update.gate is Gate.GO_LIVE

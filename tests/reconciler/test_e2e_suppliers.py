"""Plan checks each supplier identity against AWS's list (ListProcurementPortalSuppliers)."""

from __future__ import annotations

CHECK = "supplier identity is AWS's"


def _wrong_production_supplier(world, name: str = "acme-emea", **values) -> None:
    path = world.write(name, **values)
    text = path.read_text(encoding="utf-8")
    # The production supplier takes the TEST identity: AWS lists it, but for TEST only.
    text = text.replace("identity: AWS-MARKETPLACE}", "identity: AWS-MARKETPLACE-TEST}", 1)
    path.write_text(text, encoding="utf-8")


def _ready_then_live(world) -> None:
    assert world.apply("--auto-approve").code == 0
    world.make_ready()
    text = (world.config / "acme-emea.yaml").read_text(encoding="utf-8")
    (world.config / "acme-emea.yaml").write_text(
        text.replace("  mode: test", "  mode: live", 1), encoding="utf-8"
    )


def test_a_go_live_plan_shows_the_supplier_identities_are_awss(world):
    world.write()
    _ready_then_live(world)
    plan = world.plan()
    assert plan.code == 0, plan.err
    assert (
        f"[x] {CHECK}: production AWS-MARKETPLACE is one of AWS's PROD on COUPA in account "
        "123456789012 (seller of record AWS_INC)"
    ) in plan.out
    assert f"[x] {CHECK}: test AWS-MARKETPLACE-TEST is one of AWS's TEST" in plan.out


def test_a_go_live_with_a_test_supplier_identity_in_production_is_not_ready(world):
    _wrong_production_supplier(world)
    _ready_then_live(world)
    plan = world.plan()
    assert "readiness: NOT READY" in plan.out
    assert (
        f"[ ] {CHECK}: production AWS-MARKETPLACE-TEST is not one of AWS's PROD on COUPA"
    ) in plan.out
    markdown = world.plan("--format", "markdown")
    assert f"- [ ] **{CHECK}**: production AWS-MARKETPLACE-TEST is not one" in markdown.out
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 1
    assert "not ready" in result.err and CHECK in result.err


def test_a_routine_plan_notes_a_supplier_identity_aws_does_not_list(world):
    _wrong_production_supplier(world)
    plan = world.plan()
    assert plan.code == 0, plan.err
    assert "note: acme-emea: production AWS-MARKETPLACE-TEST is not one of AWS's PROD" in plan.out


def test_plan_reads_the_supplier_list_once_per_account_not_per_integration(world):
    for i in range(3):
        world.write(f"acme-{i}", buyer=f"ACME-{i}")
    world.control.reset_call_counts()
    assert world.plan().code == 0
    counts = world.control.call_counts()
    assert counts["ListProcurementPortalSuppliers"] == 1
    assert counts["ListProcurementPortals"] == 1

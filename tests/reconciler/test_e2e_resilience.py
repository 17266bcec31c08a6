"""Faults, interruptions and scale: a re-run always converges and never duplicates."""

from __future__ import annotations

import pytest

from controller.commands import Session, load_scope
from controller.config import load_text
from controller.config.model import Role
from controller.engine.requirements import Options, gate
from controller.providers.aws.apply import Applier, create_token
from controller.providers.aws.translate import create_body
from controller.secrets import refs_of


def _names(world) -> list[str]:
    tags = (world.tags(s["ProcurementPortalPreferenceArn"]) for s in world.summaries())
    return sorted(t["coupa-gitops:name"] for t in tags if "coupa-gitops:name" in t)


def _write_many(world, count: int) -> list[str]:
    names = [f"acme-{i:03d}" for i in range(count)]
    for i, name in enumerate(names):
        world.write(name, buyer=f"ACME-{i:03d}")
    return names


def test_apply_converges_with_20_percent_throttling_and_5xx(world):
    names = _write_many(world, 4)
    # With seed 108 the sandbox fails 4 of the first 9 calls: 5xx, throttling, 5xx, 5xx.
    world.control.set_faults(throttle_rate=0.1, fault_rate=0.1, seed=108)
    world.control.reset_call_counts()
    result = world.apply("--auto-approve")
    assert result.code == 0, result.err
    world.control.set_faults(throttle_rate=0.0, fault_rate=0.0)
    # Without faults: one List, then one Create and one Get per integration.
    assert sum(world.control.call_counts().values()) > 1 + 2 * len(names)
    assert _names(world) == names
    assert world.plan("--detailed-exitcode").code == 0


def test_plan_reads_through_20_percent_faults(world):
    _write_many(world, 4)
    assert world.apply("--auto-approve").code == 0
    world.control.set_faults(throttle_rate=0.1, fault_rate=0.1, seed=108)
    world.control.reset_call_counts()
    result = world.plan("--detailed-exitcode")
    assert result.code == 0, result.err
    # Without faults: one List, then one ListTagsForResource and one Get per preference.
    assert sum(world.control.call_counts().values()) > 1 + 2 * 4


def _spoil_create_token(world, name: str) -> None:
    """Use `name`'s create ClientToken for another request first, so its create is refused."""
    item = load_text(
        str(world.config / f"{name}.yaml"), (world.config / f"{name}.yaml").read_text()
    )
    body = create_body(item, {ref: "other-secret" for ref in refs_of(item)})
    body["BuyerIdentifier"] = "SOMEBODY-ELSE"
    world.client().create_procurement_portal_preference(**body, ClientToken=create_token(item))


def test_apply_that_fails_midway_says_what_was_done_and_what_was_not(world):
    world.write("acme-a", buyer="ACME-A")
    world.write("acme-b", buyer="ACME-B")
    _spoil_create_token(world, "acme-b")
    result = world.apply("--auto-approve")
    assert result.code == 1
    assert (
        "apply stopped: acme-b: create: invoicing:CreateProcurementPortalPreference" in result.err
    )
    assert "  done:     acme-a: create: created arn:aws:invoicing::" in result.err
    assert "  not done: acme-b: create" in result.err
    assert _names(world) == ["acme-a"]


def test_running_the_same_plan_twice_repeats_nothing(world):
    world.write("acme-a", buyer="ACME-A")
    world.write("acme-b", buyer="ACME-B")
    scope = load_scope([str(world.config)])
    session = Session(Role.APPLY)
    plan = session.plan(scope, None)
    applier = Applier(
        session.clients.call,
        session.target,
        session.secrets,
        {i.name: i for i in scope.items},
        None,
    )
    first = applier.run(gate(plan, Options()), lambda line: None)
    second = applier.run(gate(plan, Options()), lambda line: None)
    assert first.done == second.done
    assert len(world.summaries()) == 2


def test_replaying_a_plan_file_after_it_was_applied_is_stale_and_creates_nothing(world, tmp_path):
    # defect 5: a stale plan file holding a create used to make a second preference
    world.write()
    out = tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    assert world.apply("--plan", str(out)).code == 0
    again = world.apply("--plan", str(out))
    assert again.code == 1
    assert "the plan is stale" in again.err
    assert len(world.summaries()) == 1


@pytest.mark.slow
def test_150_integrations_are_created_across_pages_without_duplicates(world):
    names = _write_many(world, 150)
    first = world.apply("--auto-approve")
    assert first.code == 0, first.err
    assert "Apply complete: 150 change(s) done." in first.out
    second = world.apply("--auto-approve")
    assert second.code == 0
    assert second.out.startswith("No changes. 150 integration(s) match AWS.")
    assert _names(world) == names


@pytest.mark.slow
def test_steady_state_plan_of_150_reads_each_preference_once_plus_list_pages(world):
    _write_many(world, 150)
    assert world.apply("--auto-approve").code == 0
    world.control.reset_call_counts()
    assert world.plan("--detailed-exitcode").code == 0
    assert world.control.call_counts() == {
        "ListProcurementPortalPreferences": 2,
        "ListTagsForResource": 150,
        "GetProcurementPortalPreference": 150,
        # AWS's supplier identities: once for the account, not once per integration.
        "ListProcurementPortals": 1,
        "ListProcurementPortalSuppliers": 1,
    }

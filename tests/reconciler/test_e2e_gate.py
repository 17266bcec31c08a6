"""The go-live gate holds end to end (issue 8): moves, tampered plans, twins, fallen features."""

from __future__ import annotations

import json

import git
import pytest

from controller.commands import Session, load_scope
from controller.config.model import Role
from controller.engine.requirements import Options, gate
from controller.providers.aws.apply import Applier

from .helpers import ACCOUNT

OTHER = "444455556666"
ROLE = f"arn:aws:iam::{OTHER}:role/coupa-gitops-{{role}}"


def _live(world) -> str:
    world.write()
    assert world.apply("--auto-approve").code == 0
    arn = world.make_ready()
    world.write(mode="live")
    went = world.apply("--auto-approve", "--allow-go-live")
    assert went.code == 0, went.err
    return arn


def _commit(repo: git.Repo, message: str) -> None:
    actor = git.Actor("t", "t@example.com")
    repo.git.add("-A")
    repo.index.commit(message, author=actor, committer=actor)


@pytest.fixture
def sandbox_sts(world, monkeypatch):
    """STS from the sandbox, whose AssumeRole credentials act in the role's own account."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", world.sandbox.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", world.sandbox.url)


def test_a_full_plan_reads_the_account_an_older_version_of_a_file_named(world, sandbox_sts):
    # defect 3: the old preference stayed ACTIVE, unseen by plan, status and drift
    repo = git.Repo.init(world.tmp_path)
    arn = _live(world)
    _commit(repo, "acme-emea live in the caller's account")
    world.write(mode="live", account=OTHER, role_arn=ROLE)
    _commit(repo, "acme-emea moves to another payer account")
    plan = world.plan()
    assert plan.code == 0, plan.err
    assert f"acme-emea: delete  [account {ACCOUNT}]" in plan.out
    assert f"acme-emea: create  [account {OTHER}]" in plan.out
    assert "GO-LIVE" in plan.out
    routine = world.apply("--auto-approve", "--skip-go-live")
    assert routine.code == 0, routine.err
    assert "  - acme-emea: create\n  - acme-emea: mode test -> live\n  - acme-emea: delete" in (
        routine.out
    )
    assert world.get(arn)["EinvoiceDeliveryPreferenceStatus"] == "ACTIVE"
    assert [s["ProcurementPortalPreferenceArn"] for s in world.summaries()] == [arn]


def test_a_plan_file_whose_gate_was_edited_is_refused_and_nothing_goes_live(world, tmp_path):
    # defect 4: editing "gate": "go-live" to "routine" went live without --allow-go-live
    world.write()
    assert world.apply("--auto-approve").code == 0
    arn = world.make_ready()
    world.write(mode="live")
    out = tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    doc = json.loads(out.read_text())
    for change in doc["changes"]:
        change["gate"] = "routine"
    out.write_text(json.dumps(doc))
    result = world.apply("--plan", str(out))
    assert result.code == 1
    assert "the plan is stale" in result.err
    assert world.get(arn)["EinvoiceDeliveryPreferenceStatus"] == "TEST_INITIALIZED"


def test_two_applies_at_different_commits_make_one_preference(world):
    # defect 5: the create token included the commit, so concurrent applies made twins
    world.write()
    scope = load_scope([str(world.config)])
    plans, appliers = [], []
    for commit in ("a" * 40, "b" * 40):
        session = Session(Role.APPLY)
        plans.append(session.plan(scope, commit))
        items = {i.name: i for i in scope.items}
        appliers.append(
            Applier(session.clients.call, session.target, session.secrets, items, commit)
        )
    appliers[0].run(gate(plans[0], Options()), lambda _: None)
    # The second apply planned before the first created; its create must not make a twin.
    try:
        appliers[1].run(gate(plans[1], Options()), lambda _: None)
    except Exception as exc:  # AWS may refuse the token's second, different request
        assert "ConflictException" in str(exc)
    assert len(world.summaries()) == 1


def test_status_reports_drift_when_a_live_feature_fell_back(world):
    # defect 7: a live integration whose PO retrieval fell back showed no drift
    arn = _live(world)
    world.control.drift(arn, {"PurchaseOrderRetrievalPreferenceStatus": "TEST_INITIALIZED"})
    status = world.status()
    assert status.code == 0
    row = next(line for line in status.out.splitlines() if line.startswith("acme-emea"))
    assert row.split()[-1] == "yes"
    plan = world.plan()
    assert "acme-emea: restore mode live" in plan.out
    assert "PO retrieval is TEST_INITIALIZED; live needs ACTIVE" in plan.out


def test_a_preference_made_before_the_mode_tag_is_tagged_only_by_a_go_live(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    arn = world.arn_of("acme-emea")
    world.client().untag_resource(ResourceArn=arn, ResourceTagKeys=["coupa-gitops:mode"])
    blocked = world.apply("--auto-approve")
    assert blocked.code == 3
    assert "acme-emea: mode unknown -> test" in blocked.out
    approved = world.apply("--auto-approve", "--allow-go-live")
    assert approved.code == 0, approved.err
    assert world.tags(arn)["coupa-gitops:mode"] == "test"
    assert world.plan("--detailed-exitcode").code == 0

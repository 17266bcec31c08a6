"""The go-live gate holds (issue 8): moves, renames, saved plans, tokens, as pure functions."""

from __future__ import annotations

import json
from dataclasses import replace

from controller.config.model import Mode, SecretRef
from controller.engine.plan import Action, Gate, Plan
from controller.providers.aws.apply import create_token, token
from controller.providers.aws.state import ACTIVE

from .builders import item, live, plan_of

OTHER_ACCOUNT = "444455556666"


def _by_action(plan: Plan) -> dict[Action, object]:
    return {c.action: c for c in plan.actionable}


# --- defect 3: moving an integration to another account ---


def test_moving_a_live_integration_deletes_it_in_the_old_account_and_creates_it_in_the_new():
    old = item(mode="live")
    moved = item(mode="live", account=OTHER_ACCOUNT)
    plan = plan_of([moved], [live(old, (ACTIVE, ACTIVE))])
    changes = _by_action(plan)
    delete, create = changes[Action.DELETE], changes[Action.CREATE]
    assert (delete.account, delete.gate) == (old.account, Gate.GO_LIVE)
    assert "its file now names account 444455556666" in delete.reasons[0]
    assert (create.account, create.gate, create.mode_before) == (
        OTHER_ACCOUNT,
        Gate.GO_LIVE,
        Mode.LIVE,
    )
    assert any("moves an integration that is live to another account" in r for r in create.reasons)


def test_moving_a_test_integration_is_routine_both_ways():
    old, moved = item(), item(account=OTHER_ACCOUNT)
    plan = plan_of([moved], [live(old)])
    assert {(c.action, c.gate) for c in plan.actionable} == {
        (Action.DELETE, Gate.ROUTINE),
        (Action.CREATE, Gate.ROUTINE),
    }


def test_a_changed_since_plan_that_does_not_cover_the_old_name_deletes_nothing():
    plan = plan_of([item(account=OTHER_ACCOUNT)], [live(item())], prune=frozenset())
    assert [c.action for c in plan.actionable] == [Action.CREATE]


# --- defect 5: renaming an integration ---


def test_renaming_a_live_integration_retags_it_instead_of_making_a_twin():
    old = item("acme-old", mode="live")
    renamed = item("acme-emea", mode="live")
    plan = plan_of([renamed], [live(old, (ACTIVE, ACTIVE))])
    (change,) = plan.actionable
    assert (change.action, change.gate) == (Action.UPDATE, Gate.GO_LIVE)
    assert [(f.path, f.before, f.after) for f in change.fields] == [
        ("metadata.name", "acme-old", "acme-emea")
    ]


def test_renaming_a_test_integration_is_a_routine_retag():
    plan = plan_of([item("acme-emea")], [live(item("acme-old"))])
    ((action, gate),) = {(c.action, c.gate) for c in plan.actionable}
    assert (action, gate) == (Action.UPDATE, Gate.ROUTINE)


# --- defect 4: a saved plan grants nothing ---


def test_a_plan_file_whose_gate_was_edited_is_not_the_fresh_plan():
    it = item(mode="live")
    fresh = plan_of([it], [live(it, ("TEST_INITIALIZED", "TEST_INITIALIZED"))])
    doc = fresh.to_dict()
    for change in doc["changes"]:
        change["gate"] = "routine"
    edited = Plan.from_dict(json.loads(json.dumps(doc)))
    assert edited.comparable() != fresh.comparable()


def test_a_plan_file_is_the_fresh_plan_when_nothing_was_edited():
    it = item(mode="live")
    fresh = plan_of([it], [live(it, ("TEST_INITIALIZED", "TEST_INITIALIZED"))])
    again = Plan.from_dict(json.loads(json.dumps(fresh.to_dict())))
    assert again.comparable() == fresh.comparable()


def test_readiness_that_changed_since_the_plan_does_not_make_it_stale():
    it = item(mode="live")
    fresh = plan_of([it], [live(it, ("TEST_INITIALIZED", "TEST_INITIALIZED"))])
    doc = fresh.to_dict()
    doc["changes"][0]["readiness"] = []
    assert Plan.from_dict(doc).comparable() == fresh.comparable()


# --- defects 5 and 8: ClientTokens ---


def test_the_create_token_does_not_depend_on_the_commit_or_the_secret():
    it = item()
    rotated = replace(it, production=replace(it.production, shared_secret=SecretRef("env", "X")))
    assert create_token(it) == create_token(rotated)


def test_the_create_token_differs_per_account_name_and_identity():
    tokens = {
        create_token(item()),
        create_token(item(account=OTHER_ACCOUNT)),
        create_token(item("acme-apac")),
        create_token(item(buyer="ACME-2")),
    }
    assert len(tokens) == 4


def test_a_token_is_a_hash_of_its_parts_only():
    assert token("put", "arn:x", 3) == token("put", "arn:x", 3)
    assert token("put", "arn:x", 3) != token("put", "arn:x", 4)

"""The one go-live table, and `plan` and `intent` agreeing on it for a corpus of changes."""

from __future__ import annotations

import pytest

from controller.config.model import Mode
from controller.config.yamldoc import parse
from controller.engine.golive import RULES, Action, Facts, Gate, classify
from controller.gitops import intent
from tests.reconciler.builders import item, live, plan_of
from tests.reconciler.helpers import integration_yaml

# One case per rule: facts that match it and no other.
RULE_CASES = (
    Facts(Action.STATUS, Mode.TEST, Mode.LIVE),
    Facts(Action.CREATE, None, Mode.LIVE),
    Facts(Action.UPDATE, Mode.LIVE, Mode.LIVE),
    Facts(Action.UPDATE, None, Mode.TEST, known=False),
    Facts(Action.CREATE, None, None),
)


def test_there_is_a_case_for_every_rule():
    assert len(RULE_CASES) == len(RULES)


@pytest.mark.parametrize("index", range(len(RULES)))
def test_each_rule_makes_its_case_go_live_with_one_reason(index):
    gate, reasons = classify(RULE_CASES[index])
    assert (gate, len(reasons)) == (Gate.GO_LIVE, 1)
    _, rule = RULES[index]
    assert rule(RULE_CASES[index])


@pytest.mark.parametrize(
    "facts",
    [
        Facts(Action.CREATE, None, Mode.TEST),
        Facts(Action.UPDATE, Mode.TEST, Mode.TEST),
        Facts(Action.REPLACE, Mode.TEST, Mode.TEST),
        Facts(Action.DELETE, Mode.TEST, None),
        Facts(Action.NOOP, Mode.LIVE, Mode.LIVE),
    ],
    ids=str,
)
def test_test_mode_work_is_routine(facts):
    assert classify(facts) == (Gate.ROUTINE, ())


@pytest.mark.parametrize("action", [a for a in Action if a not in (Action.NOOP, Action.STATUS)])
@pytest.mark.parametrize("mode", [Mode.LIVE, Mode.SUSPENDED])
def test_every_change_to_a_live_or_suspended_integration_is_go_live(action, mode):
    assert classify(Facts(action, mode, mode))[0] is Gate.GO_LIVE


# --- plan and intent agree ---

STATUSES = {
    "test": ("TEST_INITIALIZED",) * 2,
    "live": ("ACTIVE",) * 2,
    "suspended": ("SUSPENDED",) * 2,
}

# (base file values or None, head file values or None): what a pull request changes.
CORPUS = [
    ({"mode": "test"}, {"mode": "live"}),
    ({"mode": "live"}, {"mode": "suspended"}),
    ({"mode": "suspended"}, {"mode": "live"}),
    *[({"mode": m}, {"mode": m, "email": "ap@acme.example"}) for m in STATUSES],
    *[({"mode": m}, {"mode": m, "buyer": "ACME-2"}) for m in STATUSES],
    *[({"mode": m}, {"mode": m, "cost_center": "9999"}) for m in STATUSES],
    *[({"mode": m}, {"mode": m, "account": "444455556666"}) for m in STATUSES],
    *[({"mode": m}, None) for m in STATUSES],
    (None, {"mode": "test"}),
    (None, {"mode": "live"}),
]


def _plan_gate(base, head) -> str:
    wanted = [item(**head)] if head else []
    prefs = [live(item(**base), STATUSES[base["mode"]])] if base else []
    plan = plan_of(wanted, prefs)
    return Gate.GO_LIVE.value if plan.go_live else Gate.ROUTINE.value


def _intent_gate(base, head) -> str:
    kind = intent.ADD if base is None else intent.REMOVE if head is None else intent.EDIT
    fields = ()
    if base and head:
        before = parse("a.yaml", integration_yaml(**base)).data
        after = parse("a.yaml", integration_yaml(**head)).data
        fields = tuple(intent.diff_fields(before, after))
    before, after = (base or {}).get("mode"), (head or {}).get("mode")
    return intent.classify(intent.facts_of(kind, before, after, fields))[0]


@pytest.mark.parametrize(("base", "head"), CORPUS, ids=str)
def test_plan_and_intent_agree_on_the_gate(base, head):
    assert _plan_gate(base, head) == _intent_gate(base, head)

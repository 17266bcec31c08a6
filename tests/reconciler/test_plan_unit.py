"""make_plan as a pure function: actions, the go-live table, transitions, readiness, plan files."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from controller.config.model import Mode, Selector
from controller.engine.plan import Action, Gate, Plan, config_digest
from controller.providers.aws.planner import FEATURE_TARGETS, REFUSED_MOVES
from controller.providers.aws.state import ACTIVE, SUSPENDED, TEST_INITIALIZED
from controller.sandbox.aws.lifecycle import ALL_STATUSES

from .builders import PENDING, SECRET_VALUES, TODAY, desired, item, live, plan_of
from .helpers import FUTURE

READY = (TEST_INITIALIZED, TEST_INITIALIZED)
STATUSES_OF_MODE = {
    "test": READY,
    "live": (ACTIVE, ACTIVE),
    "suspended": (SUSPENDED, SUSPENDED),
}


def _only(plan: Plan, action: Action):
    found = [c for c in plan.changes if c.action is action]
    assert len(found) == 1, plan.changes
    return found[0]


def _field(change, path: str):
    return next(f for f in change.fields if f.path == path)


# --- the basic actions ---


def test_a_preference_that_matches_the_file_is_a_no_op():
    it = item()
    plan = plan_of([it], [live(it)])
    assert [c.action for c in plan.changes] == [Action.NOOP]
    assert not plan.has_changes


def test_a_file_without_a_preference_is_a_routine_create_in_test_mode():
    change = _only(plan_of([item()]), Action.CREATE)
    assert (change.gate, change.mode_after, change.arn) == (Gate.ROUTINE, "test", None)
    assert _field(change, "production.buyer.identity").after == "ACME-EMEA"


def test_a_create_shows_secrets_only_as_sensitive():
    change = _only(plan_of([item()]), Action.CREATE)
    secret = _field(change, "production.sharedSecret")
    assert (secret.sensitive, secret.before, secret.after) == (True, None, None)


def test_a_contact_change_is_an_update_with_before_and_after():
    it = item()
    change = _only(plan_of([item(email="ap@acme.example")], [live(it)]), Action.UPDATE)
    f = _field(change, "contact.email")
    assert (f.before, f.after, f.immutable) == (
        "procurement-ops@acme.example",
        "ap@acme.example",
        False,
    )
    assert change.version == 3


def test_a_tag_change_is_an_update_of_that_tag_only():
    it = item()
    change = _only(plan_of([item(cost_center="9000")], [live(it)]), Action.UPDATE)
    assert [(f.path, f.before, f.after) for f in change.fields] == [
        ("tags.cost-center", "4711", "9000")
    ]


def test_tags_set_in_aws_but_not_in_the_file_are_removed():
    it = item()
    change = _only(plan_of([it], [live(it, extra_tags={"team": "x"})]), Action.UPDATE)
    assert [(f.path, f.before, f.after) for f in change.fields] == [("tags.team", "x", None)]


def test_reserved_tags_are_never_part_of_the_diff():
    it = item()
    plan = plan_of([it], [live(it, extra_tags={"aws:cloudformation:stack": "s"})])
    assert [c.action for c in plan.changes] == [Action.NOOP]


def test_a_changed_secret_is_an_update_marked_sensitive_with_no_values():
    it = item()
    rotated = {**SECRET_VALUES, "ACME_COUPA_SECRET": "rotated-value"}
    change = _only(plan_of([desired(it, rotated)], [live(it)]), Action.UPDATE)
    assert [(f.path, f.sensitive, f.before, f.after) for f in change.fields] == [
        ("production.sharedSecret", True, None, None)
    ]


def test_an_unresolved_secret_is_not_compared():
    it = item()
    other = {**SECRET_VALUES, "ACME_COUPA_SECRET": "whatever"}
    plan = plan_of([desired(it, other, unresolved=("ACME_COUPA_SECRET",))], [live(it)])
    assert [c.action for c in plan.changes] == [Action.NOOP]


def test_a_buyer_identity_change_is_a_replace_marking_the_field_immutable():
    it = item()
    change = _only(plan_of([item(buyer="ACME-2")], [live(it)]), Action.REPLACE)
    assert change.reasons[0] == (
        "immutable field changed: production.buyer.identity (delete + create)"
    )
    assert _field(change, "production.buyer.identity").immutable is True
    assert change.gate is Gate.ROUTINE


def test_a_managed_preference_without_a_file_is_a_delete():
    keep, gone = item("acme-emea"), item("acme-apac", buyer="ACME-APAC")
    change = _only(plan_of([keep], [live(keep), live(gone)]), Action.DELETE)
    assert (change.name, change.arn, change.reasons[0]) == (
        "acme-apac",
        live(gone).arn,
        "its config file is gone",
    )


def test_prune_limits_deletes_to_the_named_integrations():
    keep, gone = item("acme-emea"), item("acme-apac", buyer="ACME-APAC")
    plan = plan_of([keep], [live(keep), live(gone)], prune=frozenset({"other"}))
    assert Action.DELETE not in [c.action for c in plan.changes]


def test_a_preference_in_another_account_does_not_match_the_file():
    it = item()
    elsewhere = live(item(account="210987654321"))
    plan = plan_of([it], [elsewhere], prune=frozenset())
    assert [c.action for c in plan.changes] == [Action.CREATE]


def test_an_unmanaged_preference_is_listed_and_never_changed():
    it = item()
    stranger = live(item("x", buyer="OTHER"), managed=False)
    plan = plan_of([it], [live(it), stranger])
    assert [c.action for c in plan.changes] == [Action.NOOP]
    assert [(u.arn, u.buyer_identity, u.adoptable_by) for u in plan.unmanaged] == [
        (stranger.arn, "OTHER", None)
    ]


def test_an_unmanaged_preference_with_a_files_natural_key_is_adoptable_and_blocks_its_create():
    it = item()
    stranger = live(it, managed=False, arn="arn:aws:invoicing::123456789012:x/1")
    plan = plan_of([it], [stranger])
    assert plan.unmanaged[0].adoptable_by == "acme-emea"
    create = _only(plan, Action.CREATE)
    assert create.blockers == (
        f"unmanaged preference {stranger.arn} already has this portal, buyer and supplier; "
        f"adopt it with `coupa-gitops import acme-emea --arn {stranger.arn}`",
    )


def test_two_preferences_with_the_same_name_tag_keep_one_and_say_so():
    it = item()
    a = live(it, arn="arn:aws:invoicing::123456789012:x/a")
    b = live(it, arn="arn:aws:invoicing::123456789012:x/b")
    plan = plan_of([it], [b, a])
    assert plan.changes[0].arn == a.arn
    (extra,) = plan.duplicates
    assert (extra.arn, extra.kept, extra.name) == (b.arn, a.arn, "acme-emea")
    assert extra.remedy.endswith(f"--procurement-portal-preference-arn {b.arn}")


def test_of_two_preferences_with_the_same_name_the_one_with_the_files_identity_is_kept():
    it = item()
    other = live(item(buyer="SOMEONE-ELSE"), arn="arn:aws:invoicing::123456789012:x/a")
    right = live(it, arn="arn:aws:invoicing::123456789012:x/b")
    plan = plan_of([it], [other, right])
    assert (plan.changes[0].arn, plan.duplicates[0].arn) == (right.arn, other.arn)


def test_the_same_preference_read_through_two_roles_counts_once():
    it = item()
    once = live(it)
    twice = replace(once, role_arn="arn:aws:iam::123456789012:role/other")
    plan = plan_of([it], [once, twice])
    assert plan.duplicates == ()
    assert [c.action for c in plan.changes] == [Action.NOOP]


def test_changes_are_ordered_by_name_whatever_the_input_order():
    names = ["zeta", "alpha", "mid"]
    items = [item(n, buyer=n.upper()) for n in names]
    plan = plan_of(items[::-1])
    assert [c.name for c in plan.changes] == sorted(names)
    assert plan == plan_of(items)


# --- the mode a file asks for, as feature statuses and the mode tag ---

MODE_OF_STATUSES = {"test": "test", "live": "live", "suspended": "suspended"}


@pytest.mark.parametrize(("modes", "blocker"), sorted(REFUSED_MOVES.items()), ids=str)
def test_each_refused_move_is_a_blocked_go_live_status_change(modes, blocker):
    before, after = modes
    it = item(mode=after)
    change = _only(plan_of([it], [live(it, STATUSES_OF_MODE[before])]), Action.STATUS)
    assert (change.mode_before, change.mode_after) == modes
    assert change.blockers == (blocker,)
    assert change.gate is Gate.GO_LIVE


@pytest.mark.parametrize(
    ("before", "after", "target"),
    [("test", "live", ACTIVE), ("suspended", "live", ACTIVE), ("live", "suspended", SUSPENDED)],
)
def test_each_allowed_mode_change_targets_its_status_for_every_enabled_feature(
    before, after, target
):
    it = item(mode=after)
    change = _only(plan_of([it], [live(it, STATUSES_OF_MODE[before])]), Action.STATUS)
    assert change.target_status == target
    assert [(f, t) for f, _, t in change.features] == [
        ("einvoice", target),
        ("purchaseOrderRetrieval", target),
    ]


def test_every_feature_status_has_a_target_or_is_right_for_each_mode():
    statuses = [None, *ALL_STATUSES]
    assert set(FEATURE_TARGETS[Mode.LIVE]) == set(statuses) - {ACTIVE}
    assert set(FEATURE_TARGETS[Mode.SUSPENDED]) == {ACTIVE}


def _punchout_only(mode: str):
    it = item(mode=mode)
    return replace(it, einvoice=replace(it.einvoice, enabled=False), purchase_order_retrieval=False)


def test_a_punchout_only_integration_tagged_live_is_live():
    # defect 1: without feature statuses the mode used to be computed as test
    now = _punchout_only("live")
    moved = replace(
        now, production=replace(now.production, instance_url="https://acme2.coupahost.com")
    )
    plan = plan_of([moved], [live(now, (None, None), mode_tag="live")])
    update = _only(plan, Action.UPDATE)
    assert (update.mode_before, update.gate) == (Mode.LIVE, Gate.GO_LIVE)


def test_a_punchout_only_integration_goes_live_through_its_mode_tag():
    before, after = _punchout_only("test"), _punchout_only("live")
    change = _only(plan_of([after], [live(before, (None, None))]), Action.STATUS)
    assert (change.mode_before, change.mode_after, change.features) == (Mode.TEST, Mode.LIVE, ())
    assert change.gate is Gate.GO_LIVE


def test_a_live_integration_whose_feature_fell_back_plans_a_go_live_repair():
    # defect 7: PO retrieval back in TEST_INITIALIZED used to plan "No changes"
    it = item(mode="live")
    plan = plan_of([it], [live(it, (ACTIVE, TEST_INITIALIZED), mode_tag="live")])
    change = _only(plan, Action.STATUS)
    assert change.features == (("purchaseOrderRetrieval", TEST_INITIALIZED, ACTIVE),)
    assert change.gate is Gate.GO_LIVE
    assert [c.name for c in change.readiness][:2] == [
        "PO retrieval endpoint validated",
        "PO retrieval connection test passed",
    ]


def test_a_managed_preference_without_a_mode_tag_is_tagged_by_a_go_live_change():
    it = item()
    plan = plan_of([it], [live(it, mode_tag=None)])
    change = _only(plan, Action.STATUS)
    assert (change.mode_before, change.mode_after, change.features) == (None, Mode.TEST, ())
    assert change.gate is Gate.GO_LIVE


def test_any_change_to_a_preference_without_a_mode_tag_is_go_live():
    it = item()
    plan = plan_of([item(email="new@acme.example")], [live(it, mode_tag=None)])
    assert _only(plan, Action.UPDATE).gate is Gate.GO_LIVE


def test_statuses_that_disagree_with_the_mode_tag_make_the_mode_unknown_and_go_live():
    it = item()
    plan = plan_of([item(email="new@acme.example")], [live(it, mode_tag="live")])
    update = _only(plan, Action.UPDATE)
    assert (update.mode_before, update.gate) == (None, Gate.GO_LIVE)


def _edited(it, what: str):
    return {
        "contact": lambda: replace(it, contact=replace(it.contact, email="new@acme.example")),
        "invoice routing": lambda: replace(
            it, einvoice=replace(it.einvoice, document_types=("AWS_MARKETPLACE_INVOICE",))
        ),
        "selector": lambda: replace(it, selector=Selector(("AWS_EUROPE",), ())),
        "tags": lambda: replace(it, tags=(("cost-center", "9999"),)),
    }[what]()


@pytest.mark.parametrize("what", ["contact", "invoice routing", "selector", "tags"])
def test_any_field_changed_on_a_live_integration_is_go_live(what):
    # defect 2: invoice routing, contact and tags on a live integration used to be routine
    it = item(mode="live")
    plan = plan_of([_edited(it, what)], [live(it, (ACTIVE, ACTIVE))])
    assert _only(plan, Action.UPDATE).gate is Gate.GO_LIVE


def test_a_secret_change_on_a_live_integration_plans_a_go_live_update_that_revalidates():
    it = item(mode="live")
    rotated = {**SECRET_VALUES, "ACME_COUPA_SECRET": "rotated-value"}
    plan = plan_of([desired(it, rotated)], [live(it, (ACTIVE, ACTIVE))])
    update = _only(plan, Action.UPDATE)
    assert update.gate is Gate.GO_LIVE
    assert any("back to PENDING_VERIFICATION" in r for r in update.reasons)
    status = _only(plan, Action.STATUS)
    assert (status.readiness[0].name, status.readiness[0].ok) == ("endpoint unchanged", False)


def test_replacing_a_live_integration_is_go_live_and_plans_its_go_live_again():
    it = item(mode="live")
    plan = plan_of([item(mode="live", buyer="ACME-2")], [live(it, (ACTIVE, ACTIVE))])
    replace = _only(plan, Action.REPLACE)
    assert replace.gate is Gate.GO_LIVE
    status = _only(plan, Action.STATUS)
    assert (status.mode_before, status.mode_after, status.ready) == ("test", "live", False)


def test_deleting_a_live_integration_is_go_live():
    keep, gone = item(), item("acme-apac", buyer="ACME-APAC")
    plan = plan_of([keep], [live(keep), live(gone, (ACTIVE, ACTIVE))])
    assert _only(plan, Action.DELETE).gate is Gate.GO_LIVE


# --- readiness verdicts ---


def _activation_plan(statuses, *, activation: str = "2020-01-01", today: date = TODAY):
    it = item(mode="live", activation=activation)
    return _only(plan_of([it], [live(it, statuses)], today=today), Action.STATUS)


def _failed(change) -> list[tuple[str, str]]:
    return [(c.name, c.detail) for c in change.readiness if not c.ok]


def test_readiness_is_ready_after_a_passed_connection_test_and_the_activation_date():
    change = _activation_plan(READY)
    assert change.ready
    assert [c.name for c in change.readiness] == [
        "e-invoice delivery endpoint validated",
        "e-invoice delivery connection test passed",
        "PO retrieval endpoint validated",
        "PO retrieval connection test passed",
        "activation date reached",
    ]


def test_readiness_of_an_unvalidated_endpoint_says_to_run_verify_endpoint():
    change = _activation_plan(PENDING)
    assert (
        "e-invoice delivery endpoint validated",
        "status PENDING_VERIFICATION; run `coupa-gitops verify-endpoint`",
    ) in _failed(change)


def test_readiness_of_a_validated_endpoint_without_a_test_is_not_ready():
    change = _activation_plan(("VALIDATED", "VALIDATED"))
    assert [name for name, _ in _failed(change)] == [
        "e-invoice delivery connection test passed",
        "PO retrieval connection test passed",
    ]


@pytest.mark.parametrize("failed", ["TEST_FAILED", "TEST_INITIALIZATION_FAILED"])
def test_readiness_of_a_failed_connection_test_says_to_fix_the_coupa_side(failed):
    change = _activation_plan((failed, TEST_INITIALIZED))
    assert _failed(change) == [
        (
            "e-invoice delivery connection test passed",
            f"status {failed}; fix the Coupa side and rerun the connection test",
        )
    ]


def test_readiness_before_the_activation_date_is_not_ready():
    change = _activation_plan(READY, activation=FUTURE)
    assert _failed(change) == [
        ("activation date reached", f"e-invoice activation date is {FUTURE} (later)")
    ]


def test_readiness_on_the_activation_date_itself_is_ready():
    assert _activation_plan(READY, activation="2026-06-01", today=date(2026, 6, 1)).ready


def test_readiness_of_a_suspended_integration_going_live_again_is_ready():
    change = _activation_plan((SUSPENDED, SUSPENDED), activation=FUTURE)
    assert [(c.name, c.ok) for c in change.readiness][:2] == [
        ("e-invoice delivery was live before", True),
        ("PO retrieval was live before", True),
    ]


def test_readiness_to_suspend_checks_every_feature_is_live():
    it = item(mode="suspended")
    change = _only(plan_of([it], [live(it, (ACTIVE, ACTIVE))]), Action.STATUS)
    assert change.ready
    assert [c.name for c in change.readiness] == [
        "e-invoice delivery is live",
        "PO retrieval is live",
    ]


def test_readiness_of_a_new_integration_declared_live_says_it_must_exist_first():
    plan = plan_of([item(mode="live")])
    status = _only(plan, Action.STATUS)
    assert _failed(status) == [
        ("exists in AWS", "created by this apply; validate and test it first")
    ]


# --- the plan as a value: config digest and the plan file form ---


def _rich_plan() -> Plan:
    keep, gone = item(), item("acme-apac", buyer="ACME-APAC")
    stranger = live(item("x", buyer="OTHER"), managed=False)
    return plan_of(
        [
            item(email="ap@acme.example"),
            item("beta", buyer="BETA", mode="live"),
            item("new", buyer="N"),
        ],
        [live(keep), live(gone), live(item("beta", buyer="BETA"), READY), stranger],
    )


def test_a_plan_round_trips_through_to_dict_and_from_dict():
    plan = _rich_plan()
    assert {c.action for c in plan.changes} == {
        Action.UPDATE,
        Action.STATUS,
        Action.CREATE,
        Action.DELETE,
    }
    doc = json.loads(json.dumps(plan.to_dict()))
    assert Plan.from_dict(doc) == plan


def test_a_plan_file_of_another_format_version_is_refused():
    doc = _rich_plan().to_dict() | {"format_version": "0"}
    with pytest.raises(ValueError, match="plan format '0' is not 4: plan again"):
        Plan.from_dict(doc)


def test_a_plan_dict_holds_no_secret_value_nor_digest():
    it = item()
    rotated = {**SECRET_VALUES, "ACME_COUPA_SECRET": "rotated-value"}
    text = json.dumps(plan_of([desired(it, rotated)], [live(it)]).to_dict())
    for value in [*SECRET_VALUES.values(), "rotated-value", "sha256:"]:
        assert value not in text.replace(plan_of([it]).config_digest, "")


def test_the_config_digest_ignores_where_the_file_is_and_follows_what_it_says():
    a = item()
    moved = a.__class__(**{**a.__dict__, "source": a.source.__class__("elsewhere/a.yaml", 7)})
    assert config_digest([a]) == config_digest([moved])
    assert config_digest([a]) != config_digest([item(email="ap@acme.example")])


def test_the_config_digest_does_not_depend_on_file_order():
    a, b = item("a", buyer="A"), item("b", buyer="B")
    assert config_digest([a, b]) == config_digest([b, a])


def test_make_plan_records_today_and_the_commit():
    plan = plan_of([item()])
    assert (plan.today, plan.commit) == ("2026-06-01", "c0ffee")


def test_counts_have_every_action_even_when_zero():
    assert plan_of([item()]).counts() == {
        "create": 1,
        "update": 0,
        "replace": 0,
        "delete": 0,
        "status": 0,
        "no-op": 0,
    }


def test_todays_date_is_the_only_clock():
    it = item(mode="live", activation="2026-06-02")
    prefs = [live(it, READY)]
    assert not _only(plan_of([it], prefs, today=date(2026, 6, 1)), Action.STATUS).ready
    assert _only(plan_of([it], prefs, today=date(2026, 6, 2)), Action.STATUS).ready


def test_desired_without_digests_compares_nothing_secret():
    it = item()
    plan = plan_of([desired(it, unresolved=("ACME_COUPA_SECRET", "ACME_COUPA_TEST_SECRET"))])
    change = _only(plan, Action.CREATE)
    assert "production.sharedSecret" not in [f.path for f in change.fields]

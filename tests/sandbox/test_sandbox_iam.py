"""The IAM policy evaluator: IAM's documented logic, one behaviour per test, no HTTP."""

from __future__ import annotations

import pytest

from controller.sandbox.aws.iam import Decision, Policy, Request, evaluate, requests_for

PUT = "invoicing:PutProcurementPortalPreference"
ARN = "arn:aws:invoicing::111122223333:procurement-portal-preference/p-1"
MODE = "aws:ResourceTag/coupa-gitops:mode"


def statement(effect: str, **members) -> dict:
    """A statement on every action and resource unless `members` narrow (or negate) them."""
    base = {"Effect": effect, "Action": "*", "Resource": "*"}
    for name in ("Action", "Resource"):
        if f"Not{name}" in members:
            del base[name]
    return {**base, **members}


def allow(**members) -> dict:
    return statement("Allow", **members)


def deny(**members) -> dict:
    return statement("Deny", **members)


def decide(*statements: dict) -> Decision:
    policy = Policy.parse({"Version": "2012-10-17", "Statement": list(statements)})
    return evaluate(policy, Request((PUT,), ARN))


def allowed_when(condition: dict, context: dict[str, list[str]]) -> bool:
    policy = Policy.parse({"Statement": allow(Condition=condition)})
    return evaluate(policy, Request((PUT,), ARN, context)).allowed


def test_an_allow_statement_allows():
    assert decide(allow()) == Decision(True)


def test_nothing_allowing_is_an_implicit_deny_naming_the_action():
    decision = decide(allow(Action="invoicing:Get*"))
    assert decision == Decision(False, PUT, ARN, explicit=False)


def test_an_explicit_deny_wins_over_an_allow():
    decision = decide(allow(), deny(Action=PUT))
    assert decision == Decision(False, PUT, ARN, explicit=True)


def test_a_statement_may_be_a_single_object():
    policy = Policy.parse({"Statement": allow()})
    assert evaluate(policy, Request((PUT,), ARN)).allowed


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ("invoicing:*", True),
        ("invoicing:Put*", True),
        ("invoicing:Get*", False),
        ("*", True),
        ("INVOICING:putprocurementportalpreference", True),
        ("invoicing:Put?rocurementPortalPreference", True),
        ("aws-portal:*", False),
    ],
)
def test_actions_match_wildcards_case_insensitively(pattern, matches):
    assert decide(allow(Action=pattern)).allowed is matches


def test_not_action_allows_every_action_but_those_listed():
    assert decide(allow(NotAction="invoicing:Put*")).allowed is False
    assert decide(allow(NotAction="invoicing:Get*")).allowed is True


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ("arn:aws:invoicing::111122223333:procurement-portal-preference/*", True),
        ("arn:aws:invoicing::*:procurement-portal-preference/p-?", True),
        ("arn:aws:invoicing::444455556666:procurement-portal-preference/*", False),
        ("ARN:aws:invoicing::111122223333:procurement-portal-preference/*", False),
    ],
)
def test_resources_match_star_and_question_mark_wildcards_case_sensitively(pattern, matches):
    assert decide(allow(Resource=pattern)).allowed is matches


def test_not_resource_applies_to_every_resource_but_those_listed():
    assert decide(allow(NotResource=ARN)).allowed is False
    assert decide(allow(NotResource="arn:aws:s3:::*")).allowed is True


def test_a_deny_with_not_resource_spares_the_listed_resources():
    assert decide(allow(), deny(NotResource=ARN)).allowed is True


def test_several_actions_are_each_decided_and_the_first_denied_is_named():
    policy = Policy.parse({"Statement": allow(Action=PUT)})
    decision = evaluate(policy, Request((PUT, "aws-portal:ModifyBilling"), ARN))
    assert (decision.allowed, decision.action) == (False, "aws-portal:ModifyBilling")


@pytest.mark.parametrize(
    ("operator", "expected", "actual", "holds"),
    [
        ("StringEquals", "test", "test", True),
        ("StringEquals", "test", "TEST", False),
        ("StringNotEquals", "test", "live", True),
        ("StringNotEquals", "test", "test", False),
        ("StringEqualsIgnoreCase", "test", "TEST", True),
        ("StringEqualsIgnoreCase", "test", "live", False),
        ("StringLike", "te*", "test", True),
        ("StringLike", "t?st", "tost", True),
        ("StringLike", "te*", "live", False),
        ("StringNotLike", "te*", "live", True),
        ("StringNotLike", "te*", "test", False),
        ("Bool", "true", "TRUE", True),
        ("Bool", True, "true", True),
        ("Bool", "true", "false", False),
    ],
)
def test_each_operator_compares_a_present_key(operator, expected, actual, holds):
    assert allowed_when({operator: {MODE: expected}}, {MODE: [actual]}) is holds


@pytest.mark.parametrize(
    ("operator", "holds"),
    [
        ("StringEquals", False),
        ("StringEqualsIgnoreCase", False),
        ("StringLike", False),
        ("Bool", False),
        ("StringNotEquals", True),  # IAM: nothing is equal to an absent key
        ("StringNotLike", True),
        ("StringEqualsIfExists", True),
        ("StringNotEqualsIfExists", True),
        ("StringLikeIfExists", True),
        ("BoolIfExists", True),
    ],
)
def test_an_absent_key_fails_a_condition_unless_negated_or_if_exists(operator, holds):
    assert allowed_when({operator: {MODE: "test"}}, {}) is holds


def test_if_exists_compares_a_present_key_as_usual():
    assert allowed_when({"StringEqualsIfExists": {MODE: "test"}}, {MODE: ["live"]}) is False


@pytest.mark.parametrize(
    ("expected", "context", "holds"),
    [("true", {}, True), ("true", {MODE: ["x"]}, False), ("false", {MODE: ["x"]}, True)],
)
def test_null_tests_whether_the_key_is_absent(expected, context, holds):
    assert allowed_when({"Null": {MODE: expected}}, context) is holds


def test_several_values_of_one_key_are_or():
    condition = {"StringEquals": {MODE: ["test", "demo"]}}
    assert allowed_when(condition, {MODE: ["demo"]}) is True
    assert allowed_when(condition, {MODE: ["live"]}) is False


def test_a_negated_operator_with_several_values_holds_only_if_none_matches():
    condition = {"StringNotEquals": {MODE: ["test", "demo"]}}
    assert allowed_when(condition, {MODE: ["live"]}) is True
    assert allowed_when(condition, {MODE: ["demo"]}) is False


def test_several_keys_and_operators_are_and():
    condition = {
        "StringEquals": {MODE: "test", "aws:ResourceTag/team": "ops"},
        "StringLike": {"aws:RequestTag/name": "acme-*"},
    }
    context = {MODE: ["test"], "aws:ResourceTag/team": ["ops"], "aws:RequestTag/name": ["acme-1"]}
    assert allowed_when(condition, context) is True
    assert allowed_when(condition, {**context, "aws:ResourceTag/team": ["dev"]}) is False


def test_condition_key_names_are_case_insensitive():
    condition = {"StringEquals": {"AWS:RESOURCETAG/coupa-gitops:mode": "test"}}
    assert allowed_when(condition, {MODE: ["test"]}) is True


def test_condition_values_stay_case_sensitive():
    assert allowed_when({"StringEquals": {MODE: "Test"}}, {MODE: ["test"]}) is False


@pytest.mark.parametrize(
    ("keys", "holds"),
    [(["coupa-gitops:mode", "team"], True), (["coupa-gitops:mode", "owner"], False), ([], True)],
)
def test_for_all_values_needs_every_value_to_match_and_holds_on_none(keys, holds):
    condition = {"ForAllValues:StringEquals": {"aws:TagKeys": ["coupa-gitops:mode", "team"]}}
    assert allowed_when(condition, {"aws:TagKeys": keys}) is holds


def test_for_all_values_holds_when_the_key_is_missing():
    condition = {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}
    assert allowed_when(condition, {}) is True


@pytest.mark.parametrize(
    ("keys", "holds"), [(["owner", "coupa-gitops:mode"], True), (["owner"], False), ([], False)]
)
def test_for_any_value_needs_one_value_to_match_and_fails_on_none(keys, holds):
    condition = {"ForAnyValue:StringEquals": {"aws:TagKeys": "coupa-gitops:mode"}}
    assert allowed_when(condition, {"aws:TagKeys": keys}) is holds


def test_for_any_value_if_exists_holds_when_the_key_is_missing():
    condition = {"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "coupa-gitops:mode"}}
    assert allowed_when(condition, {}) is True


def test_for_all_values_with_a_negated_operator_needs_every_value_to_miss():
    condition = {"ForAllValues:StringNotLike": {"aws:TagKeys": "coupa-gitops:*"}}
    assert allowed_when(condition, {"aws:TagKeys": ["team", "owner"]}) is True
    assert allowed_when(condition, {"aws:TagKeys": ["team", "coupa-gitops:mode"]}) is False


def test_operator_names_are_case_insensitive():
    assert allowed_when({"stringequals": {MODE: "test"}}, {MODE: ["test"]}) is True


@pytest.mark.parametrize(
    "operator", ["StringEqual", "NumericEquals", "ForEveryValue:StringEquals", "NullIfExists"]
)
def test_an_unknown_operator_is_rejected_naming_it(operator):
    with pytest.raises(ValueError, match=operator):
        Policy.parse({"Statement": allow(Condition={operator: {MODE: "test"}})})


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ({"Statement": {"Effect": "Permit", "Action": "*", "Resource": "*"}}, "Effect"),
        ({"Statement": {"Effect": "Allow", "Resource": "*"}}, "Action"),
        ({"Statement": {"Effect": "Allow", "Action": "*"}}, "Resource"),
        ({"Statement": {**allow(), "NotAction": "x"}}, "Action"),
        ({"Statement": allow(Actions="*")}, "Actions"),
        ({"Statment": allow()}, "Statement"),
        ({"Statement": allow(Condition={"StringEquals": {MODE: []}})}, "empty"),
    ],
)
def test_a_malformed_policy_is_rejected_saying_what_is_wrong(document, complaint):
    with pytest.raises(ValueError, match=complaint):
        Policy.parse(document)


def test_put_needs_its_own_action_on_the_arn_and_modify_billing_on_any_resource():
    requests = requests_for(
        "PutProcurementPortalPreference", {"ProcurementPortalPreferenceArn": ARN}
    )
    assert [(r.actions, r.resource) for r in requests] == [
        ((PUT,), ARN),
        (("aws-portal:ModifyBilling",), "*"),
    ]


def test_get_list_and_list_tags_need_view_billing():
    for operation in (
        "GetProcurementPortalPreference",
        "ListProcurementPortalPreferences",
        "ListTagsForResource",
    ):
        actions = [a for r in requests_for(operation, {}) for a in r.actions]
        assert actions == [f"invoicing:{operation}", "aws-portal:ViewBilling"]


def test_send_and_verify_need_only_their_own_action():
    for operation in ("SendProcurementPortalValidation", "VerifyProcurementPortalValidation"):
        actions = [a for r in requests_for(operation, {}) for a in r.actions]
        assert actions == [f"invoicing:{operation}"]


def test_create_with_tags_also_needs_tag_resource_and_carries_request_tags():
    params = {"ResourceTags": [{"Key": "coupa-gitops:mode", "Value": "test"}]}
    own, billing = requests_for("CreateProcurementPortalPreference", params)
    assert own.actions == ("invoicing:CreateProcurementPortalPreference", "invoicing:TagResource")
    assert own.resource == "*"
    assert billing.actions == ("aws-portal:ModifyBilling",)
    assert own.context["aws:RequestTag/coupa-gitops:mode"] == ("test",)
    assert own.context["aws:TagKeys"] == ("coupa-gitops:mode",)


def test_create_without_tags_needs_no_tag_resource():
    (own, _billing) = requests_for("CreateProcurementPortalPreference", {"ResourceTags": None})
    assert own.actions == ("invoicing:CreateProcurementPortalPreference",)


def test_untag_carries_the_tag_keys_and_the_resource_tags():
    params = {"ResourceArn": ARN, "ResourceTagKeys": ["team"]}
    (own, _billing) = requests_for("UntagResource", params, {"coupa-gitops:mode": "live"})
    assert own.resource == ARN
    assert own.context == {
        "aws:ResourceTag/coupa-gitops:mode": ("live",),
        "aws:TagKeys": ("team",),
    }


def test_malformed_tags_in_a_request_are_ignored_not_an_error():
    params = {"ResourceArn": 7, "ResourceTags": [None, {"Key": 1}, "x"]}
    (own, _billing) = requests_for("TagResource", params)
    assert (own.resource, own.context) == ("*", {"aws:TagKeys": ()})

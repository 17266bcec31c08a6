"""Model-driven properties: requests drawn from botocore's shapes.

* A request the model allows is never rejected for its shape (boto3 sends it, the sandbox may
  only refuse it for a service rule or a missing resource), and Create/Put requests that also
  satisfy the service rules are accepted and read back unchanged.
* A request that breaks the model in one place, sent raw (botocore would block most of these
  client-side), is always a ValidationException naming that place.
"""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlsplit

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_helpers import FAKE_AUTHORIZATION, create_request, get, raw_call
from sandbox_strategies import mutations, valid

from controller.sandbox.aws import rules, shapes
from controller.sandbox.aws.service import OPERATIONS

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CREATE = "CreateProcurementPortalPreference"
PUT = "PutProcurementPortalPreference"
ARN = "ProcurementPortalPreferenceArn"


def input_shape(operation: str):
    return shapes.operation(operation).input_shape


hosts = st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z][a-z0-9]{0,8}){1,2}", fullmatch=True)
url_paths = st.from_regex(r"(/[A-Za-z0-9_-]{1,8}){0,3}", fullmatch=True)
https_urls = st.builds(lambda host, path: f"https://{host}{path}", hosts, url_paths)
tokens = st.builds(lambda: str(uuid.uuid4()))  # a drawn token reused with another body conflicts

URL_OVERRIDES = {
    "ProcurementPortalInstanceEndpoint": https_urls,
    "TestEnvPreference.ProcurementPortalInstanceEndpoint": https_urls,
    "MarketplacePunchOutPreference.ApprovalRequestRedirectUrl": https_urls,
    "ClientToken": tokens,
}


@st.composite
def satisfying_rules(draw, operation: str, portal: str | None = None):
    """A request of `operation` drawn from its shape, then made to satisfy the service rules."""
    request = draw(valid(input_shape(operation), URL_OVERRIDES))
    name = request.get("ProcurementPortalName", portal)
    if request["EinvoiceDeliveryEnabled"] and "EinvoiceDeliveryPreference" not in request:
        preference_shape = input_shape(operation).members["EinvoiceDeliveryPreference"]
        request["EinvoiceDeliveryPreference"] = draw(valid(preference_shape))
    if name == "COUPA" and request.get("MarketplacePunchOutEnabled") is True:
        instance = request.setdefault("ProcurementPortalInstanceEndpoint", draw(https_urls))
        redirect = f"https://{urlsplit(instance).hostname}{draw(url_paths)}"
        request["MarketplacePunchOutPreference"] = {"ApprovalRequestRedirectUrl": redirect}
    if name != "COUPA":  # the redirect URL is only supported for Coupa
        request.get("MarketplacePunchOutPreference", {}).pop("ApprovalRequestRedirectUrl", None)
    if "ResourceTags" in request:
        request["ResourceTags"] = [
            tag
            for tag in request["ResourceTags"]
            if not rules.tag_violations(tag["Key"], tag["Value"], "")
        ]
    return request


def _epoch(value):
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    if isinstance(value, dict):
        return {key: _epoch(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_epoch(item) for item in value]
    return value


def assert_reads_back(client, arn, request):
    stored = _epoch(get(client, arn))
    for key, value in request.items():
        if key in ("ClientToken", "ResourceTags", ARN):
            continue
        if key == "TestEnvPreference":  # the sandbox adds the PO endpoint it synthesizes
            stored[key].pop("PurchaseOrderRetrievalEndpoint", None)
        assert stored[key] == value, key


@SETTINGS
@given(request=satisfying_rules(CREATE))
def test_every_create_the_model_and_the_rules_allow_is_accepted_and_reads_back(client, request):
    arn = client.create_procurement_portal_preference(**request)[ARN]
    assert_reads_back(client, arn, request)
    tags = client.list_tags_for_resource(ResourceArn=arn)["ResourceTags"]
    expected = {tag["Key"]: tag["Value"] for tag in request.get("ResourceTags", [])}
    assert {tag["Key"]: tag["Value"] for tag in tags} == expected


@SETTINGS
@given(data=st.data())
def test_every_put_the_model_and_the_rules_allow_is_accepted_and_reads_back(client, data):
    portal = data.draw(st.sampled_from(["COUPA", "SAP_BUSINESS_NETWORK"]))
    base = create_request(ProcurementPortalName=portal)
    if portal != "COUPA":  # the redirect URL is only supported for Coupa
        del base["MarketplacePunchOutPreference"]
    arn = client.create_procurement_portal_preference(**base)[ARN]
    request = data.draw(satisfying_rules(PUT, portal))
    request[ARN] = arn
    client.put_procurement_portal_preference(**request)
    assert_reads_back(client, arn, request)
    assert get(client, arn)["Version"] == 2


RULE_FIELDS = {rule.field for rule in rules.RULES}


@SETTINGS
@given(request=valid(input_shape(CREATE), {"ClientToken": tokens}))
def test_a_create_the_model_allows_is_refused_only_by_a_service_rule(client, request):
    try:
        client.create_procurement_portal_preference(**request)
    except ClientError as exc:
        response = exc.response
        assert response["Error"]["Code"] == "ValidationException", response["Error"]
        assert response["reason"] == "invalidInput", response["Error"]["Message"]
        names = {field["name"] for field in response["fieldList"]}
        assert {n for n in names if not n.startswith("ResourceTags[")} <= RULE_FIELDS


OPERATION_NAMES = sorted(OPERATIONS)
PER_OPERATION = settings(SETTINGS, max_examples=20)


@pytest.mark.parametrize("operation", OPERATION_NAMES)
@PER_OPERATION
@given(data=st.data())
def test_no_operation_rejects_a_request_the_model_allows_for_its_shape(client, operation, data):
    request = data.draw(valid(input_shape(operation), URL_OVERRIDES))
    try:
        getattr(client, xform_name(operation))(**request)
    except ClientError as exc:  # a missing resource, a rule, a state: never the shape
        assert exc.response.get("reason") != "fieldValidationFailed", (
            operation,
            exc.response["Error"]["Message"],
        )


@pytest.mark.parametrize("operation", OPERATION_NAMES)
@PER_OPERATION
@given(data=st.data())
def test_every_single_break_of_the_model_is_a_validation_error_naming_the_member(
    sandbox, operation, data
):
    """Each drawn valid request is broken in every way `mutations` knows, one at a time, and
    sent raw (botocore's client-side validation would stop most of these)."""
    shape = input_shape(operation)
    request = data.draw(valid(shape, URL_OVERRIDES))
    for mutation in mutations(shape, request):
        status, body = raw_call(sandbox.url, operation, mutation.on(request), FAKE_AUTHORIZATION)
        assert status == 400, (mutation, body)
        assert body["__type"].endswith("#ValidationException"), (mutation, body)
        assert body["reason"] == "fieldValidationFailed", (mutation, body)
        assert mutation.path in {field["name"] for field in body["fieldList"]}, (mutation, body)
        assert f"'{mutation.path}'" in body["message"], (mutation, body)


def test_the_mutations_cover_every_kind_of_break():
    request = create_request(ClientToken="t")
    kinds = {mutation.kind for mutation in mutations(input_shape(CREATE), request)}
    assert {
        "drop required",
        "unknown member",
        "not in enum",
        "too long",
        "breaks pattern",
        "list too long",
        "list too short",
        "wrong type for boolean",
        "wrong type for timestamp",
        "wrong type for structure",
    } <= kinds


@pytest.mark.parametrize("operation", OPERATION_NAMES)
def test_the_sandbox_implements_operations_of_the_installed_model(operation):
    assert operation in shapes.service_model().operation_names

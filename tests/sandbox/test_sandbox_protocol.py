"""The AWS JSON 1.0 wire protocol: signing, targets, bodies, error shapes."""

from __future__ import annotations

import json
import urllib.request

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import FAKE_AUTHORIZATION, create_request, error_of, get, raw_call

from controller.sandbox.aws import errors
from controller.sandbox.aws.sigv4 import parse_authorization

LIST = "ListProcurementPortalPreferences"


def test_an_unsigned_request_is_refused_with_missing_authentication_token(sandbox):
    status, body = raw_call(sandbox.url, LIST, {}, authorization=None)
    assert status == 400
    assert body["__type"].endswith("#MissingAuthenticationTokenException")
    assert body["message"] == "Missing Authentication Token"


def test_an_unsigned_create_has_no_effect(sandbox, tenant):
    sandbox.control.map_account("AKIARAWCALLER", tenant.account)
    status, _ = raw_call(
        sandbox.url, "CreateProcurementPortalPreference", create_request(), authorization=None
    )
    assert status == 400
    assert tenant.client.list_procurement_portal_preferences()["ProcurementPortalPreferences"] == []


def test_a_non_sigv4_authorization_is_an_incomplete_signature(sandbox):
    status, body = raw_call(sandbox.url, LIST, {}, authorization="Bearer abc")
    assert status == 400
    assert body["__type"].endswith("#IncompleteSignatureException")


def test_an_authorization_without_signature_is_an_incomplete_signature(sandbox):
    auth = "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/invoicing/aws4_request"
    status, body = raw_call(sandbox.url, LIST, {}, authorization=auth)
    assert status == 400
    assert "requires 'Signature' parameter" in body["message"]


def test_a_credential_scoped_to_another_service_is_an_invalid_signature(sandbox):
    auth = FAKE_AUTHORIZATION.replace("/invoicing/", "/s3/")
    status, body = raw_call(sandbox.url, LIST, {}, authorization=auth)
    assert status == 403
    assert body["__type"].endswith("#InvalidSignatureException")
    assert "'invoicing'" in body["message"]


def test_the_access_key_is_read_from_the_credential_scope():
    headers = {"Authorization": FAKE_AUTHORIZATION, "X-Amz-Date": "20250101T000000Z"}
    assert parse_authorization(headers, "invoicing") == "AKIARAWCALLER"


def test_a_signed_raw_request_is_served_with_the_json_10_content_type(sandbox):
    data = json.dumps({}).encode()
    request = urllib.request.Request(sandbox.url + "/", data=data, method="POST")
    request.add_header("X-Amz-Target", f"Invoicing.{LIST}")
    request.add_header("Content-Type", "application/x-amz-json-1.0")
    request.add_header("Authorization", FAKE_AUTHORIZATION)
    request.add_header("X-Amz-Date", "20250101T000000Z")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/x-amz-json-1.0"
        assert response.headers["x-amzn-RequestId"]
        assert "ProcurementPortalPreferences" in json.loads(response.read())


def test_an_unknown_target_is_an_unknown_operation(sandbox):
    status, body = raw_call(sandbox.url, "LaunchRockets", {})
    assert status == 400
    assert body["__type"].endswith("#UnknownOperationException")
    assert "Invoicing.LaunchRockets" in body["message"]


@pytest.mark.parametrize("payload", [b"{not json", b"[1, 2]", b'{"MaxResults": NaN}'])
def test_a_body_that_is_not_a_json_object_is_a_serialization_error(sandbox, payload):
    status, body = raw_call(sandbox.url, LIST, payload)
    assert status == 400
    assert body["__type"].endswith("#SerializationException")


def test_an_empty_body_means_no_parameters(sandbox):
    status, body = raw_call(sandbox.url, "ListProcurementPortals", b"")
    assert status == 200
    assert body["ProcurementPortals"]


def test_modeled_errors_carry_the_service_namespace(sandbox):
    status, body = raw_call(sandbox.url, LIST, {"MaxResults": 0})
    assert status == 400
    assert body["__type"] == "com.amazonaws.invoicing#ValidationException"
    assert body["fieldList"] == [
        {"name": "MaxResults", "message": "Member must have value greater than or equal to 1"}
    ]


def test_unknown_members_are_rejected_by_name(sandbox):
    status, body = raw_call(sandbox.url, LIST, {"MaxResult": 5})
    assert status == 400
    assert body["fieldList"][0]["name"] == "MaxResult"


def test_a_get_on_the_root_explains_what_this_server_is(sandbox):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(sandbox.url + "/", timeout=10)
    assert info.value.code == 404
    assert "sandbox" in json.loads(info.value.read())["message"]


def test_an_unknown_control_endpoint_lists_the_known_ones(sandbox):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(sandbox.url + "/_sandbox/nope", timeout=10)
    assert info.value.code == 404
    assert "validation-code" in json.loads(info.value.read())["error"]


def test_the_health_endpoint_answers(sandbox):
    assert sandbox.control.health()


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.ValidationException, 400),
        (errors.AccessDeniedException, 403),
        (errors.ResourceNotFoundException, 404),
        (errors.ConflictException, 409),
        (errors.ServiceQuotaExceededException, 402),
        (errors.ThrottlingException, 429),
        (errors.InternalServerException, 500),
    ],
)
def test_modeled_errors_have_the_http_status_of_the_smithy_model(error, status):
    assert error.status == status


def test_there_is_no_unmodeled_service_unavailable_exception():
    assert not hasattr(errors, "ServiceUnavailableException")


def test_a_missing_preference_is_a_404_resource_not_found(client, tenant):
    arn = f"arn:aws:invoicing::{tenant.account}:procurement-portal-preference/nope"
    with pytest.raises(ClientError) as info:
        client.get_procurement_portal_preference(ProcurementPortalPreferenceArn=arn)
    assert error_of(info.value)[0] == "ResourceNotFoundException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_a_client_token_reused_for_another_request_is_a_409_conflict(client):
    client.create_procurement_portal_preference(**create_request(ClientToken="tok-409"))
    with pytest.raises(ClientError) as info:
        client.create_procurement_portal_preference(
            **create_request(ClientToken="tok-409", BuyerIdentifier="OTHER")
        )
    assert error_of(info.value)[0] == "ConflictException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_too_many_tags_is_a_402_service_quota_exceeded(client):
    arn = client.create_procurement_portal_preference(**create_request())[
        "ProcurementPortalPreferenceArn"
    ]
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(200)]
    client.tag_resource(ResourceArn=arn, ResourceTags=many)
    with pytest.raises(ClientError) as info:
        client.tag_resource(ResourceArn=arn, ResourceTags=[{"Key": "one-more", "Value": "v"}])
    assert error_of(info.value)[0] == "ServiceQuotaExceededException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 402


def test_a_null_max_results_is_treated_as_absent(sandbox):
    status, body = raw_call(sandbox.url, LIST, {"MaxResults": None, "NextToken": None})
    assert status == 200, body
    status, body = raw_call(sandbox.url, "ListProcurementPortals", {"MaxResults": None})
    assert (status, len(body["ProcurementPortals"])) == (200, 2)


def test_null_resource_tags_and_client_token_on_create_are_treated_as_absent(sandbox, tenant):
    sandbox.control.map_account("AKIARAWCALLER", tenant.account)
    request = create_request(ResourceTags=None, ClientToken=None, TestEnvPreference=None)
    status, body = raw_call(sandbox.url, "CreateProcurementPortalPreference", request)
    assert status == 200, body
    arn = body["ProcurementPortalPreferenceArn"]
    assert tenant.client.list_tags_for_resource(ResourceArn=arn)["ResourceTags"] == []
    assert "TestEnvPreference" not in get(tenant.client, arn)


def test_a_null_required_member_is_still_a_validation_error(sandbox):
    status, body = raw_call(
        sandbox.url, "GetProcurementPortalPreference", {"ProcurementPortalPreferenceArn": None}
    )
    assert status == 400
    assert body["fieldList"][0]["name"] == "ProcurementPortalPreferenceArn"

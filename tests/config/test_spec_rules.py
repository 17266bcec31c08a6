"""Each semantic rule beyond the schema: the exact place and message of its failure."""

from __future__ import annotations

import pytest

from controller.config import Problem, load_text
from controller.config.rules import RULES

from .docs import FILE, TEST_BLOCK, edit, problems_in

HTTPS = "must be an https:// URL with a host, e.g. https://acme.coupahost.com"
REDIRECT_REQUIRED = (
    "is required when punch-out is enabled: the https URL on your production Coupa host "
    "where AWS sends carts back for approval"
)
EINVOICE_NEEDS = {
    "documentTypes": "is required when e-invoice delivery is enabled: the document types AWS "
    "should deliver, e.g. [AWS_MARKETPLACE_INVOICE]",
    "connectionTest": "is required when e-invoice delivery is enabled: how AWS tests the "
    "connection: TEST_ENV_REPLAY_TEST or PROD_ENV_DOLLAR_TEST",
    "activationDate": "is required when e-invoice delivery is enabled: the date (YYYY-MM-DD) "
    "from which AWS delivers e-invoices",
}
REPLAY_NEEDS_TEST = (
    "TEST_ENV_REPLAY_TEST replays documents to your Coupa test instance: add a `spec.test` "
    "block, or use PROD_ENV_DOLLAR_TEST"
)

PROD_URL = "instanceUrl: https://acme.coupahost.com"
TEST_URL = "instanceUrl: https://acme-test.coupahost.com"
REDIRECT = "approvalRequestRedirectUrl: https://acme.coupahost.com/requisition_headers"
REDIRECT_LINE = "    " + REDIRECT + "\n"

CASES = {
    # https rule: production, test and redirect URLs
    "production-url-http": (
        [(PROD_URL, "instanceUrl: http://acme.coupahost.com")],
        [Problem(FILE, 14, 18, "spec.production.instanceUrl", HTTPS)],
    ),
    "production-url-without-host": (
        [(PROD_URL, "instanceUrl: https://")],
        [Problem(FILE, 14, 18, "spec.production.instanceUrl", HTTPS)],
    ),
    "production-url-not-a-url": (
        [(PROD_URL, "instanceUrl: acme.coupahost.com")],
        [Problem(FILE, 14, 18, "spec.production.instanceUrl", HTTPS)],
    ),
    "production-url-with-a-newline": (
        [(PROD_URL, 'instanceUrl: "https://acme.coupa\\nhost.com"')],
        [Problem(FILE, 14, 18, "spec.production.instanceUrl", HTTPS)],
    ),
    "production-url-empty": (
        [(PROD_URL, 'instanceUrl: ""')],
        [Problem(FILE, 14, 18, "spec.production.instanceUrl", HTTPS)],
    ),
    "test-url-http": (
        [(TEST_URL, "instanceUrl: http://acme-test.coupahost.com")],
        [Problem(FILE, 19, 18, "spec.test.instanceUrl", HTTPS)],
    ),
    "test-url-without-host": (
        [(TEST_URL, "instanceUrl: https:///path")],
        [Problem(FILE, 19, 18, "spec.test.instanceUrl", HTTPS)],
    ),
    "redirect-url-http": (
        [(REDIRECT, "approvalRequestRedirectUrl: http://acme.coupahost.com/requisition_headers")],
        [Problem(FILE, 25, 33, "spec.punchout.approvalRequestRedirectUrl", HTTPS)],
    ),
    "redirect-url-without-host": (
        [(REDIRECT, "approvalRequestRedirectUrl: https:/requisition_headers")],
        [Problem(FILE, 25, 33, "spec.punchout.approvalRequestRedirectUrl", HTTPS)],
    ),
    # punch-out
    "punchout-enabled-without-redirect-points-at-punchout": (
        [(REDIRECT_LINE, "")],
        [Problem(FILE, 23, 3, "spec.punchout.approvalRequestRedirectUrl", REDIRECT_REQUIRED)],
    ),
    "punchout-enabled-with-empty-redirect-points-at-its-key": (
        [(REDIRECT, "approvalRequestRedirectUrl:")],
        [Problem(FILE, 25, 5, "spec.punchout.approvalRequestRedirectUrl", REDIRECT_REQUIRED)],
    ),
    "redirect-on-another-host": (
        [(REDIRECT, "approvalRequestRedirectUrl: https://evil.example/requisition_headers")],
        [
            Problem(
                FILE,
                25,
                33,
                "spec.punchout.approvalRequestRedirectUrl",
                "host `evil.example` must be the production instance's host "
                "`acme.coupahost.com` (AWS rejects any other)",
            )
        ],
    ),
    "redirect-on-the-test-host": (
        [(REDIRECT, "approvalRequestRedirectUrl: https://acme-test.coupahost.com/x")],
        [
            Problem(
                FILE,
                25,
                33,
                "spec.punchout.approvalRequestRedirectUrl",
                "host `acme-test.coupahost.com` must be the production instance's host "
                "`acme.coupahost.com` (AWS rejects any other)",
            )
        ],
    ),
    # e-invoice completeness
    "einvoice-enabled-without-document-types-points-at-einvoice": (
        [("    documentTypes: [AWS_MARKETPLACE_INVOICE, AWS_MARKETPLACE_CREDIT_MEMO]\n", "")],
        # (the purchaseOrderRequired keys are not compared with a missing list)
        [Problem(FILE, 26, 3, "spec.einvoice.documentTypes", EINVOICE_NEEDS["documentTypes"])],
    ),
    "einvoice-enabled-with-empty-document-types": (
        [
            ("[AWS_MARKETPLACE_INVOICE, AWS_MARKETPLACE_CREDIT_MEMO]", "[]"),
            ("{AWS_MARKETPLACE_INVOICE: true}", "{}"),
        ],
        [Problem(FILE, 28, 20, "spec.einvoice.documentTypes", EINVOICE_NEEDS["documentTypes"])],
    ),
    "einvoice-enabled-without-connection-test": (
        [("    connectionTest: TEST_ENV_REPLAY_TEST\n", "")],
        [Problem(FILE, 26, 3, "spec.einvoice.connectionTest", EINVOICE_NEEDS["connectionTest"])],
    ),
    "einvoice-enabled-without-activation-date": (
        [("    activationDate: 2027-01-01\n", "")],
        [Problem(FILE, 26, 3, "spec.einvoice.activationDate", EINVOICE_NEEDS["activationDate"])],
    ),
    "einvoice-enabled-with-empty-activation-date": (
        [("activationDate: 2027-01-01", "activationDate:")],
        [Problem(FILE, 31, 20, "spec.einvoice.activationDate", EINVOICE_NEEDS["activationDate"])],
    ),
    # connection test and purchase-order keys
    "replay-test-without-test-block": (
        [(TEST_BLOCK, "")],
        [Problem(FILE, 25, 21, "spec.einvoice.connectionTest", REPLAY_NEEDS_TEST)],
    ),
    "purchase-order-key-not-among-document-types": (
        [("{AWS_MARKETPLACE_INVOICE: true}", "{AWS_CLOUD_INVOICE: true}")],
        [
            Problem(
                FILE,
                29,
                29,
                "spec.einvoice.purchaseOrderRequired.AWS_CLOUD_INVOICE",
                "`AWS_CLOUD_INVOICE` is not in einvoice.documentTypes; "
                "add it there or remove it here",
            )
        ],
    ),
    "misspelled-purchase-order-key-gets-the-enum-hint-not-add-it-to-document-types": (
        [("{AWS_MARKETPLACE_INVOICE: true}", "{AWS_MARKETPLACE_INVOIC: true}")],
        [
            Problem(
                FILE,
                29,
                29,
                "spec.einvoice.purchaseOrderRequired.AWS_MARKETPLACE_INVOIC",
                "must be one of AWS_CLOUD_INVOICE, AWS_CLOUD_CREDIT_MEMO, "
                "AWS_MARKETPLACE_INVOICE, AWS_MARKETPLACE_CREDIT_MEMO, AWS_REQUEST_FOR_PAYMENT; "
                "did you mean `AWS_MARKETPLACE_INVOICE`?",
            )
        ],
    ),
    # roleArn
    "role-in-another-account": (
        [("iam::111122223333:role", "iam::999988887777:role")],
        [
            Problem(
                FILE,
                8,
                12,
                "spec.roleArn",
                "role is in account 999988887777 but spec.account is 111122223333; "
                "the role must be in the payer account",
            )
        ],
    ),
}


@pytest.mark.parametrize(("changes", "expected"), CASES.values(), ids=CASES.keys())
def test_a_rule_reports_its_problem_at_the_exact_place(changes, expected):
    assert problems_in(edit(*changes)) == expected


def test_every_rule_in_the_table_has_a_failing_case_here():
    covered = {
        "literal_secrets",  # test_spec_secrets.py
        "https_urls",
        "punchout_redirect",
        "einvoice_complete",
        "replay_test_needs_test_block",
        "po_required_keys_in_document_types",
        "role_in_payer_account",
        "coupa_test_client",  # test_spec_coupa.py
        "tag_characters",  # test_spec_hostile_text.py
    }
    assert {rule.__name__ for rule in RULES} == covered


def test_a_redirect_on_the_production_host_with_a_port_and_path_is_accepted():
    text = edit((REDIRECT, "approvalRequestRedirectUrl: https://ACME.coupahost.com:443/a?b=c"))
    assert load_text(FILE, text).punchout.approval_request_redirect_url.endswith("?b=c")


def test_the_dollar_test_needs_no_test_block():
    text = edit((TEST_BLOCK, ""), ("TEST_ENV_REPLAY_TEST", "PROD_ENV_DOLLAR_TEST"))
    assert load_text(FILE, text).einvoice.connection_test == "PROD_ENV_DOLLAR_TEST"


def test_a_role_in_the_payer_account_in_another_partition_is_accepted():
    text = edit(("arn:aws:iam::", "arn:aws-us-gov:iam::"))
    assert load_text(FILE, text).role_arn == "arn:aws-us-gov:iam::111122223333:role/coupa-gitops"


def test_a_bad_account_id_is_not_also_reported_as_a_role_in_another_account():
    text = edit(('account: "111122223333"', 'account: "1111"'))
    assert [p.path for p in problems_in(text)] == ["spec.account"]


def test_a_rule_that_explains_a_value_replaces_the_schema_message_for_it():
    # The https rule and the schema's minLength both see an empty URL: only the rule speaks.
    text = edit((PROD_URL, 'instanceUrl: ""'))
    assert [p.message for p in problems_in(text)] == [HTTPS]

"""Schema violations come out as one human message each, at the exact place."""

from __future__ import annotations

import pytest

from controller.config import Problem, load_text

from .docs import FILE, edit, problems_in

SLUG = (
    "must be a DNS-style slug: lowercase letters, digits and '-', 1-63 characters, "
    "starting and ending with a letter or digit (e.g. `acme-emea`)"
)
ACCOUNT = 'must be a 12-digit AWS account id in quotes, e.g. "111122223333"'
IDENTITY = "must be 1-1024 characters with no whitespace"
EMAIL = "must be an email address like procurement-ops@example.com"
RESERVED = "tag keys starting with `coupa-gitops:` or `aws:` are reserved"
ONE_SECRET = "must name exactly one of env, ssm or secretsManager"


# --- unknown keys -----------------------------------------------------------------------------


def test_an_unknown_key_close_to_a_known_one_gets_a_did_you_mean_hint():
    assert problems_in(edit(("  account:", "  acount:"))) == [
        Problem(FILE, 6, 1, "spec.account", "missing required key `account`"),
        Problem(FILE, 7, 3, "spec.acount", "unknown key `acount`; did you mean `account`?"),
    ]


def test_an_unknown_key_far_from_every_known_one_gets_no_hint():
    assert problems_in(edit(("  mode: test\n", "  mode: test\n  zzzqqq: 1\n"))) == [
        Problem(FILE, 10, 3, "spec.zzzqqq", "unknown key `zzzqqq`")
    ]


def test_an_unknown_key_in_a_flow_mapping_is_reported_at_the_key():
    text = edit(("{domain: NetworkID, identity: ACME}", "{domain: NetworkID, identiy: ACME}"))
    assert problems_in(text) == [
        Problem(FILE, 15, 5, "spec.production.buyer.identity", "missing required key `identity`"),
        Problem(
            FILE,
            15,
            32,
            "spec.production.buyer.identiy",
            "unknown key `identiy`; did you mean `identity`?",
        ),
    ]


def test_an_unknown_top_level_key_is_reported():
    assert problems_in(
        edit(("kind: CoupaIntegration\n", "kind: CoupaIntegration\nstatus: {}\n"))
    ) == [Problem(FILE, 3, 1, "status", "unknown key `status`")]


def test_each_missing_required_key_is_reported_once_at_its_parent():
    text = edit(("apiVersion: coupa-gitops/v1\nkind: CoupaIntegration\n", ""))
    assert problems_in(text) == [
        Problem(FILE, 1, 1, "apiVersion", "missing required key `apiVersion`"),
        Problem(FILE, 1, 1, "kind", "missing required key `kind`"),
    ]


def test_a_missing_nested_key_points_at_the_mapping_that_lacks_it():
    assert problems_in(edit(("    email: ops@acme.example\n", ""))) == [
        Problem(FILE, 10, 3, "spec.contact.email", "missing required key `email`")
    ]


# --- enums ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "line", "col", "path", "message"),
    [
        (
            ("mode: test", "mode: tset"),
            9,
            9,
            "spec.mode",
            "must be one of test, live, suspended; did you mean `test`?",
        ),
        (
            ("mode: test", "mode: production"),
            9,
            9,
            "spec.mode",
            "must be one of test, live, suspended",
        ),
        (
            ("connectionTest: TEST_ENV_REPLAY_TEST", "connectionTest: TEST_ENV_REPLAY"),
            30,
            21,
            "spec.einvoice.connectionTest",
            "must be one of PROD_ENV_DOLLAR_TEST, TEST_ENV_REPLAY_TEST; "
            "did you mean `TEST_ENV_REPLAY_TEST`?",
        ),
        (
            ("{domain: NetworkID, identity: ACME}", "{domain: NetworkId, identity: ACME}"),
            15,
            21,
            "spec.production.buyer.domain",
            "must be one of NetworkID; did you mean `NetworkID`?",
        ),
        (
            ("AWS_MARKETPLACE_CREDIT_MEMO]", "AWS_MARKETPLACE_CREDIT_MEMOS]"),
            28,
            46,
            "spec.einvoice.documentTypes[1]",
            "must be one of AWS_CLOUD_INVOICE, AWS_CLOUD_CREDIT_MEMO, AWS_MARKETPLACE_INVOICE, "
            "AWS_MARKETPLACE_CREDIT_MEMO, AWS_REQUEST_FOR_PAYMENT; "
            "did you mean `AWS_MARKETPLACE_CREDIT_MEMO`?",
        ),
    ],
    ids=["mode-typo", "mode-unrelated", "connection-test-typo", "domain-case", "document-type"],
)
def test_a_value_outside_an_enum_lists_the_options_with_a_hint(changes, line, col, path, message):
    assert problems_in(edit(changes)) == [Problem(FILE, line, col, path, message)]


# --- patterns and lengths ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Acme", "acme_emea", "-acme", "acme-", "a" * 64, '""', "acme.emea", '"acme\\n"'],
    ids=["upper", "underscore", "leading-dash", "trailing-dash", "64-chars", "empty", "dot", "nl"],
)
def test_a_metadata_name_that_is_not_a_slug_is_reported(name):
    assert problems_in(edit(("  name: acme\n", f"  name: {name}\n"))) == [
        Problem(FILE, 4, 9, "metadata.name", SLUG)
    ]


@pytest.mark.parametrize("name", ["a", "a" * 63, "acme-emea-2", "0-9"])
def test_a_metadata_name_that_is_a_slug_is_accepted(name):
    assert load_text(FILE, edit(("  name: acme\n", f"  name: {name}\n"))).name == name


@pytest.mark.parametrize(
    "account",
    ['"1111"', '"1111222233334"', '"11112222333a"', '"1111 2222 3333"', '"111122223333\\n"'],
    ids=["short", "13-digits", "letter", "spaces", "trailing-newline"],
)
def test_an_account_that_is_not_12_digits_is_reported(account):
    assert problems_in(edit(('account: "111122223333"', f"account: {account}"))) == [
        Problem(FILE, 7, 12, "spec.account", ACCOUNT)
    ]


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        ('"ACME EMEA"', IDENTITY),
        ('"ACME\\tEMEA"', IDENTITY),
        ('"ACME\\n"', IDENTITY),
        ('""', "must not be empty"),
        ("A" * 1025, "is 1025 characters; the limit is 1024"),
    ],
    ids=["space", "tab", "trailing-newline", "empty", "1025-chars"],
)
def test_an_identity_with_whitespace_empty_or_too_long_is_reported(identity, message):
    text = edit(("identity: ACME}", f"identity: {identity}}}"))
    assert problems_in(text) == [Problem(FILE, 15, 42, "spec.production.buyer.identity", message)]


def test_an_identity_of_exactly_1024_characters_is_accepted():
    text = edit(("identity: ACME}", f"identity: {'A' * 1024}}}"))
    assert len(load_text(FILE, text).production.buyer.identity) == 1024


def test_a_bad_test_supplier_identity_is_reported_with_its_path():
    text = edit(("identity: AWS-MARKETPLACE-TEST}", 'identity: "AWS MARKETPLACE"}'))
    assert problems_in(text) == [Problem(FILE, 21, 45, "spec.test.supplier.identity", IDENTITY)]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-email", EMAIL),
        ("ops@acme", EMAIL),
        ("ops acme@acme.example", EMAIL),
        ('"ops@acme.example\\n"', EMAIL),
        ('""', "must not be empty"),
    ],
    ids=["no-at", "no-tld", "space", "trailing-newline", "empty"],
)
def test_a_contact_email_that_is_not_an_address_is_reported(email, message):
    text = edit(("email: ops@acme.example", f"email: {email}"))
    assert problems_in(text) == [Problem(FILE, 12, 12, "spec.contact.email", message)]


@pytest.mark.parametrize("key", ["coupa-gitops:x", "coupa-gitops:name", "aws:cloudformation"])
def test_a_reserved_tag_key_is_reported_at_the_key(key):
    text = edit(('cost-center: "4711"', f'{key}: "1"'))
    assert problems_in(text) == [Problem(FILE, 35, 5, f"spec.tags.{key}", RESERVED)]


def test_a_tag_key_that_merely_contains_a_reserved_prefix_is_accepted():
    text = edit(('cost-center: "4711"', 'team-aws:x: "1"'))
    assert load_text(FILE, text).tags == (("team-aws:x", "1"),)


def test_an_over_long_tag_value_is_reported():
    text = edit(('cost-center: "4711"', f"cost-center: {'v' * 257}"))
    assert problems_in(text) == [
        Problem(FILE, 35, 18, "spec.tags.cost-center", "is 257 characters; the limit is 256")
    ]


# --- types, constants, secret references ------------------------------------------------------


def test_a_scalar_where_a_mapping_is_expected_is_reported():
    text = edit(
        ("  contact:\n    name: Procurement Ops\n    email: ops@acme.example\n", "  contact: ops\n")
    )
    assert problems_in(text) == [
        Problem(FILE, 10, 12, "spec.contact", "must be a mapping, not text")
    ]


def test_a_mapping_where_a_list_is_expected_is_reported():
    text = edit(("[AWS_MARKETPLACE_INVOICE, AWS_MARKETPLACE_CREDIT_MEMO]", "{a: 1}"))
    assert Problem(
        FILE, 28, 20, "spec.einvoice.documentTypes", "must be a list, not a mapping"
    ) in problems_in(text)


def test_a_wrong_api_version_is_reported():
    assert problems_in(edit(("coupa-gitops/v1", "coupa-gitops/v2"))) == [
        Problem(FILE, 1, 13, "apiVersion", "must be `coupa-gitops/v1`")
    ]


def test_a_wrong_kind_is_reported():
    assert problems_in(edit(("kind: CoupaIntegration", "kind: Integration"))) == [
        Problem(
            FILE,
            2,
            7,
            "kind",
            "unknown kind `Integration`: must be CoupaIntegration or ChangeWindows; did you mean "
            "`CoupaIntegration`?",
        )
    ]


@pytest.mark.parametrize(
    "ref",
    ["{}", "{env: ACME_SECRET, ssm: /coupa/acme}"],
    ids=["none", "two"],
)
def test_a_secret_reference_must_name_exactly_one_source(ref):
    text = edit(("sharedSecret: {env: ACME_SECRET}", f"sharedSecret: {ref}"))
    assert problems_in(text) == [Problem(FILE, 17, 19, "spec.production.sharedSecret", ONE_SECRET)]


def test_an_environment_variable_reference_must_be_a_variable_name():
    text = edit(("sharedSecret: {env: ACME_SECRET}", "sharedSecret: {env: ACME-SECRET}"))
    assert problems_in(text) == [
        Problem(
            FILE,
            17,
            25,
            "spec.production.sharedSecret.env",
            "must be an environment variable name like ACME_COUPA_SECRET",
        )
    ]


def test_a_document_type_listed_twice_is_reported():
    text = edit(("AWS_MARKETPLACE_CREDIT_MEMO]", "AWS_MARKETPLACE_INVOICE]"))
    assert problems_in(text) == [
        Problem(
            FILE,
            28,
            20,
            "spec.einvoice.documentTypes",
            "lists the same item twice; remove the repeat",
        )
    ]


def test_a_region_that_is_not_a_region_name_is_reported():
    text = edit(("  mode: test\n", "  mode: test\n  region: US East\n"))
    assert problems_in(text) == [
        Problem(FILE, 10, 11, "spec.region", "must be an AWS region name such as us-east-1")
    ]


def test_a_role_arn_that_is_not_an_iam_role_is_reported():
    text = edit(("role/coupa-gitops", "user/coupa-gitops"))
    assert problems_in(text) == [
        Problem(
            FILE,
            8,
            12,
            "spec.roleArn",
            "must be an IAM role ARN, e.g. arn:aws:iam::111122223333:role/coupa-gitops-{role} "
            "({role} becomes plan, apply or go-live)",
        )
    ]


def test_several_problems_in_one_file_are_all_reported_in_line_order():
    text = edit(
        ("name: acme", "name: ACME"),
        ("mode: test", "mode: tset"),
        ("email: ops@acme.example", "email: nobody"),
        ('cost-center: "4711"', 'aws:x: "1"'),
    )
    assert [(p.line, p.path) for p in problems_in(text)] == [
        (4, "metadata.name"),
        (9, "spec.mode"),
        (12, "spec.contact.email"),
        (35, "spec.tags.aws:x"),
    ]

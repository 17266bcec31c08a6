"""Rules beyond the schema: what the service enforces and what keeps secrets out of git.

Each rule is a function in RULES that yields (path, message, at_key) for one document;
`at_key` points the message at the key rather than its value (for "missing" problems).
Rules read the raw data defensively: the schema reports wrong types, rules skip them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from controller.spec.schema import schema
from controller.spec.yamldoc import Path

Finding = tuple[Path, str, bool]
Rule = Callable[[dict], Iterator[Finding]]

SECRET_HELP = "{env: NAME}, {ssm: /parameter/name} or {secretsManager: secret-name}"


def _get(data: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _host(url: object) -> str | None:
    """The host of an https URL with a host, else None."""
    if not isinstance(url, str) or any(c.isspace() or not c.isprintable() for c in url):
        return None  # urlsplit silently drops tabs and newlines: "https://a\nb.com" is a.b.com
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    return host if parts.scheme == "https" and host else None


def literal_secrets(data: dict) -> Iterator[Finding]:
    for block in ("production", "test"):
        value = _get(data, "spec", block, "sharedSecret")
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            # Never echo the value: it may be a real secret pasted by mistake.
            yield (
                ("spec", block, "sharedSecret"),
                "literal secrets are forbidden in config files; remove it from git history "
                f"if it is real, and reference it instead: {SECRET_HELP}",
                False,
            )


_URLS: tuple[Path, ...] = (
    ("spec", "production", "instanceUrl"),
    ("spec", "test", "instanceUrl"),
    ("spec", "punchout", "approvalRequestRedirectUrl"),
)


def https_urls(data: dict) -> Iterator[Finding]:
    for path in _URLS:
        value = _get(data, *path)
        if isinstance(value, str) and _host(value) is None:
            yield (
                path,
                "must be an https:// URL with a host, e.g. https://acme.coupahost.com",
                False,
            )


def punchout_redirect(data: dict) -> Iterator[Finding]:
    if _get(data, "spec", "punchout", "enabled") is not True:
        return
    path = ("spec", "punchout", "approvalRequestRedirectUrl")
    url = _get(data, *path)
    if url is None:
        yield (
            path,
            "is required when punch-out is enabled: the https URL on your production Coupa "
            "host where AWS sends carts back for approval",
            True,
        )
        return
    redirect_host = _host(url)
    instance_host = _host(_get(data, "spec", "production", "instanceUrl"))
    if redirect_host and instance_host and redirect_host != instance_host:
        yield (
            path,
            f"host `{redirect_host}` must be the production instance's host "
            f"`{instance_host}` (AWS rejects any other)",
            False,
        )


_EINVOICE_NEEDS = {
    "documentTypes": "the document types AWS should deliver, e.g. [AWS_MARKETPLACE_INVOICE]",
    "connectionTest": "how AWS tests the connection: TEST_ENV_REPLAY_TEST or PROD_ENV_DOLLAR_TEST",
    "activationDate": "the date (YYYY-MM-DD) from which AWS delivers e-invoices",
}


def einvoice_complete(data: dict) -> Iterator[Finding]:
    einvoice = _get(data, "spec", "einvoice")
    if not isinstance(einvoice, dict) or einvoice.get("enabled") is not True:
        return
    for key, what in _EINVOICE_NEEDS.items():
        if einvoice.get(key) in (None, [], ""):
            yield (
                ("spec", "einvoice", key),
                f"is required when e-invoice delivery is enabled: {what}",
                key not in einvoice,
            )


def replay_test_needs_test_block(data: dict) -> Iterator[Finding]:
    method = _get(data, "spec", "einvoice", "connectionTest")
    if method == "TEST_ENV_REPLAY_TEST" and _get(data, "spec", "test") is None:
        yield (
            ("spec", "einvoice", "connectionTest"),
            "TEST_ENV_REPLAY_TEST replays documents to your Coupa test instance: add a "
            "`spec.test` block, or use PROD_ENV_DOLLAR_TEST",
            False,
        )


def po_required_keys_in_document_types(data: dict) -> Iterator[Finding]:
    required = _get(data, "spec", "einvoice", "purchaseOrderRequired")
    types = _get(data, "spec", "einvoice", "documentTypes")
    if not isinstance(required, dict) or not isinstance(types, list):
        return
    known = schema()["$defs"]["documentType"]["enum"]
    for key in required:
        if key in known and key not in types:  # an unknown type gets the schema's "did you mean"
            yield (
                ("spec", "einvoice", "purchaseOrderRequired", key),
                f"`{key}` is not in einvoice.documentTypes; add it there or remove it here",
                True,
            )


def role_in_payer_account(data: dict) -> Iterator[Finding]:
    role, account = _get(data, "spec", "roleArn"), _get(data, "spec", "account")
    if not (isinstance(account, str) and len(account) == 12 and account.isdigit()):
        return  # the schema already reports a bad account id; comparing with it is noise
    if isinstance(role, str) and role.count(":") >= 5:
        role_account = role.split(":")[4]
        if role_account.isdigit() and role_account != account:
            yield (
                ("spec", "roleArn"),
                f"role is in account {role_account} but spec.account is {account}; "
                "the role must be in the payer account",
                False,
            )


RULES: tuple[Rule, ...] = (
    literal_secrets,
    https_urls,
    punchout_redirect,
    einvoice_complete,
    replay_test_needs_test_block,
    po_required_keys_in_document_types,
    role_in_payer_account,
)

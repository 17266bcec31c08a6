"""Rules beyond the schema: what the service enforces and what keeps secrets out of git.

Each rule is a function in RULES that yields (path, message, at_key) for one document;
`at_key` points the message at the key rather than its value (for "missing" problems).
Rules read the raw data defensively: the schema reports wrong types, rules skip them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from controller.config.schema import schema
from controller.config.yamldoc import Path
from controller.escape import char, hidden

Finding = tuple[Path, str, bool]
Rule = Callable[[dict[str, object]], Iterator[Finding]]

SECRET_HELP = "{env: NAME}, {ssm: /parameter/name} or {secretsManager: secret-name}"


def _get(data: object, *keys: str | int) -> object:
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


_SECRET_PATHS: tuple[Path, ...] = (
    ("spec", "production", "sharedSecret"),
    ("spec", "test", "sharedSecret"),
    ("spec", "coupa", "production", "clientSecret"),
    ("spec", "coupa", "test", "clientSecret"),
)


def literal_secrets(data: dict[str, object]) -> Iterator[Finding]:
    for path in _SECRET_PATHS:
        value = _get(data, *path)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            # Never echo the value: it may be a real secret pasted by mistake.
            yield (
                path,
                "literal secrets are forbidden in config files; remove it from git history "
                f"if it is real, and reference it instead: {SECRET_HELP}",
                False,
            )


_URLS: tuple[Path, ...] = (
    ("spec", "production", "instanceUrl"),
    ("spec", "test", "instanceUrl"),
    ("spec", "punchout", "approvalRequestRedirectUrl"),
)


def https_urls(data: dict[str, object]) -> Iterator[Finding]:
    for path in _URLS:
        value = _get(data, *path)
        if isinstance(value, str) and _host(value) is None:
            yield (
                path,
                "must be an https:// URL with a host, e.g. https://acme.coupahost.com",
                False,
            )


def punchout_redirect(data: dict[str, object]) -> Iterator[Finding]:
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


def einvoice_complete(data: dict[str, object]) -> Iterator[Finding]:
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


def replay_test_needs_test_block(data: dict[str, object]) -> Iterator[Finding]:
    method = _get(data, "spec", "einvoice", "connectionTest")
    if method == "TEST_ENV_REPLAY_TEST" and _get(data, "spec", "test") is None:
        yield (
            ("spec", "einvoice", "connectionTest"),
            "TEST_ENV_REPLAY_TEST replays documents to your Coupa test instance: add a "
            "`spec.test` block, or use PROD_ENV_DOLLAR_TEST",
            False,
        )


def po_required_keys_in_document_types(data: dict[str, object]) -> Iterator[Finding]:
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


def role_in_payer_account(data: dict[str, object]) -> Iterator[Finding]:
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


def coupa_test_client(data: dict[str, object]) -> Iterator[Finding]:
    """spec.coupa.test goes with spec.test: each Coupa instance needs its own API client."""
    coupa = _get(data, "spec", "coupa")
    if not isinstance(coupa, dict):
        return
    has_test = _get(data, "spec", "test") is not None
    if has_test and coupa.get("test") is None:
        yield (
            ("spec", "coupa", "test"),
            "is required when spec.test is set: the API client of the Coupa test instance "
            f"(clientId and clientSecret: {SECRET_HELP})",
            True,
        )
    if not has_test and coupa.get("test") is not None:
        yield (
            ("spec", "coupa", "test"),
            "names a test instance client, but there is no spec.test instance: add spec.test "
            "or remove this block",
            True,
        )


RULES: tuple[Rule, ...] = (
    literal_secrets,
    coupa_test_client,
    https_urls,
    punchout_redirect,
    einvoice_complete,
    replay_test_needs_test_block,
    po_required_keys_in_document_types,
    role_in_payer_account,
)


# --- characters: what AWS rejects, and what would fool a reader of our output ---

_CHAR_NAMES = {
    "\n": "line break",
    "\r": "carriage return",
    "\t": "tab",
    "\x1b": "escape",
    "\x85": "next line",
    "\x00": "NUL",
}


def _char_name(c: str) -> str:
    return _CHAR_NAMES.get(c) or unicodedata.name(c, "control character").lower()


def _strings(node: object, path: Path = ()) -> Iterator[tuple[Path, str, bool]]:
    """Every key (at_key True) and string value in a document, with its path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str):
                yield (*path, key), key, True
            yield from _strings(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, index))
    elif isinstance(node, str):
        yield path, node, False


HIDDEN_LEAD = "contains the hidden character(s)"


def hidden_characters(data: dict[str, object]) -> Iterator[Finding]:
    for path, text, at_key in _strings(data):
        found = list(dict.fromkeys(c for c in text if hidden(c)))
        if found:
            what = ", ".join(f"`{char(c)}` ({_char_name(c)})" for c in found[:3])
            where = "the key" if at_key else "the value"
            yield (
                path,
                f"{where} {HIDDEN_LEAD} {what}; control, invisible and line-separator characters "
                "are not allowed: write it on one line with visible characters only",
                at_key,
            )


# AWS's tag rule: letters, digits, spaces (Unicode) and _ . : / = + - @.
TAG_PUNCTUATION = frozenset("_.:/=+-@")
TAG_HELP = "AWS allows only letters, digits, spaces and _ . : / = + - @ in tags"
RESERVED_PREFIXES = ("coupa-gitops:", "aws:")


def _tag_char_ok(c: str) -> bool:
    return unicodedata.category(c)[0] in "LNZ" or c in TAG_PUNCTUATION or hidden(c)


def tag_characters(data: dict[str, object]) -> Iterator[Finding]:
    tags = _get(data, "spec", "tags")
    if not isinstance(tags, dict):
        return
    for key, value in tags.items():
        if not isinstance(key, str):
            continue
        path = ("spec", "tags", key)
        # Hidden characters have their own message (hidden_characters).
        bad = sorted({c for c in key if not _tag_char_ok(c)})
        if bad:
            shown = " ".join(f"`{char(c)}`" for c in bad)
            yield path, f"the tag key contains {shown}; {TAG_HELP}", True
        lowered = key.lower()
        if lowered.startswith(RESERVED_PREFIXES) and not key.startswith(RESERVED_PREFIXES):
            yield path, "tag keys starting with `coupa-gitops:` or `aws:` are reserved", True
        if isinstance(value, str):
            bad = sorted({c for c in value if not _tag_char_ok(c)})
            if bad:
                shown = " ".join(f"`{char(c)}`" for c in bad)
                yield path, f"the tag value contains {shown}; {TAG_HELP}", False


RULES = (*RULES, tag_characters)
# hidden_characters runs after every other check (controller.spec): it speaks last.

# --- file names: shown in every output and written into CODEOWNERS, so a safe set only ---

FILE_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./")
FILE_NAME_HELP = (
    "config file names may use only ASCII letters, digits and - _ . / and must not start "
    "with - or .; rename the file"
)


def file_name_problem(name: str) -> str | None:
    """What is wrong with a config file's name (the part under the config path), if anything."""
    bad = sorted({c for c in name if c not in FILE_NAME_CHARS})
    parts = [p for p in name.split("/") if p]
    if bad:
        shown = " ".join(f"`{char(c)}`" for c in bad)
        return f"the file name contains {shown}; {FILE_NAME_HELP}"
    if any(p.startswith(("-", ".")) and p not in (".", "..") for p in parts):
        return f"a part of the file name starts with - or .; {FILE_NAME_HELP}"
    return None

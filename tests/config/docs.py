"""The valid document every loader test starts from, and ways to break it.

Every test starts from BASE (below, with its line numbers) and edits a few exact substrings,
so the expected line and column of each problem can be read off this listing.
"""

from __future__ import annotations

import pytest

from controller.config import ConfigError, Problem, load_text

FILE = "acme.yaml"

BASE = """\
apiVersion: coupa-gitops/v1
kind: CoupaIntegration
metadata:
  name: acme
  description: Acme payer account
spec:
  account: "111122223333"
  roleArn: arn:aws:iam::111122223333:role/coupa-gitops
  mode: test
  contact:
    name: Procurement Ops
    email: ops@acme.example
  production:
    instanceUrl: https://acme.coupahost.com
    buyer: {domain: NetworkID, identity: ACME}
    supplier: {domain: NetworkID, identity: AWS-MARKETPLACE}
    sharedSecret: {env: ACME_SECRET}
  test:
    instanceUrl: https://acme-test.coupahost.com
    buyer: {domain: NetworkID, identity: ACME-TEST}
    supplier: {domain: NetworkID, identity: AWS-MARKETPLACE-TEST}
    sharedSecret: {env: ACME_TEST_SECRET}
  punchout:
    enabled: true
    approvalRequestRedirectUrl: https://acme.coupahost.com/requisition_headers
  einvoice:
    enabled: true
    documentTypes: [AWS_MARKETPLACE_INVOICE, AWS_MARKETPLACE_CREDIT_MEMO]
    purchaseOrderRequired: {AWS_MARKETPLACE_INVOICE: true}
    connectionTest: TEST_ENV_REPLAY_TEST
    activationDate: 2027-01-01
  purchaseOrderRetrieval:
    enabled: true
  tags:
    cost-center: "4711"
"""
#  1 apiVersion        10 contact:          19 test.instanceUrl       28 documentTypes
#  2 kind              11 contact.name      20 test.buyer             29 purchaseOrderRequired
#  3 metadata:         12 contact.email     21 test.supplier          30 connectionTest
#  4 name              13 production:       22 test.sharedSecret      31 activationDate
#  5 description       14 instanceUrl       23 punchout:              32 purchaseOrderRetrieval:
#  6 spec:             15 buyer             24 punchout.enabled       33   enabled
#  7 account           16 supplier          25 approvalRequest...Url  34 tags:
#  8 roleArn           17 sharedSecret      26 einvoice:              35   cost-center
#  9 mode              18 test:             27 einvoice.enabled


def lines(first: int, last: int) -> str:
    """Lines first..last (1-based, inclusive) of BASE, with their newlines."""
    return "".join(BASE.splitlines(keepends=True)[first - 1 : last])


TEST_BLOCK = lines(18, 22)  # spec.test, for documents without a test instance


def edit(*changes: tuple[str, str], text: str = BASE) -> str:
    """BASE with each (old, new) applied; every `old` must occur exactly once."""
    for old, new in changes:
        count = text.count(old)
        assert count == 1, f"{old!r} occurs {count} times in the base document"
        text = text.replace(old, new)
    return text


def problems_in(text: str, file: str = FILE) -> list[Problem]:
    """The problems load_text reports for `text` (it must report some)."""
    with pytest.raises(ConfigError) as caught:
        load_text(file, text)
    assert caught.value.problems, "ConfigError without problems"
    return list(caught.value.problems)

"""`coupa-gitops iam-policy`: the roles' permission and trust policies."""

from __future__ import annotations

import json

from controller import config


def iam_policy_command(
    role: str,
    paths: list[str],
    *,
    account: str | None = None,
    trust: str | None = None,
    trust_account: str | None = None,
) -> int:
    """Print a role's permission policy (or trust policy) as JSON; reads no AWS."""
    from controller.providers.aws import iampolicy

    # Trust policies do not depend on the config: they need no valid config/.
    items = () if trust or trust_account else config.load(paths).require_valid()
    doc = iampolicy.document(
        iampolicy.role_of(role), items, account=account, trust=trust, trust_account=trust_account
    )
    print(json.dumps(doc, indent=2, sort_keys=True))
    return 0

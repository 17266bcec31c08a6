"""`coupa-gitops coupa-setup NAME`: what the administrator enters in Coupa's punch-out site form.

Coupa documents no API endpoint for punch-out sites (reference/coupa-core-api.md §1.4 and "Not
confirmed" #2), so the tool does not guess one: it prints the form's values (§6.3), from the
file, with secrets only as their reference. Reads neither AWS nor Coupa.
"""

from __future__ import annotations

from controller import escape as esc
from controller.commands.aws_tools import _find
from controller.config.model import Endpoint, Integration

CONTRACT = (
    "Coupa requires a contract with the supplier on the punch-out site (§6.3 `contract-id`); "
    "create or pick it in Coupa before saving the site"
)


def setup_lines(item: Integration) -> list[str]:
    supplier = item.coupa.supplier.name if item.coupa is not None else "(spec.coupa not set)"
    commodities = (
        ", ".join(f"{name} (UNSPSC {code})" for code, name in item.coupa.commodities)
        if item.coupa is not None
        else "(spec.coupa not set)"
    )
    lines = [
        f"Punch-out site for {item.name}: Coupa > Setup > Punchout Sites > Create",
        "(Coupa documents no API for punch-out sites: an administrator enters these by hand.)",
        "",
    ]
    envs: list[tuple[str, Endpoint]] = [("production", item.production)]
    if item.test is not None:
        envs.append(("test", item.test))
    for env, where in envs:
        lines += [
            f"{env} instance {where.instance_url}:",
            "  Name:                    AWS Marketplace",
            "  Punchout URL:            the punch-out URL AWS Marketplace shows for this "
            "integration (not in AWS's API; copy it from the AWS Marketplace console)",
            f"  Supplier:                {supplier} (must be active: on production it is once "
            "the integration is live)",
            f"  Contract:                {CONTRACT}",
            f"  Domain:                  {where.supplier.domain}",
            f"  Identity:                {where.supplier.identity}",
            f"  Sender Domain:           {where.buyer.domain}",
            f"  Sender Identity:         {where.buyer.identity}",
            f"  Secret:                  the value of {where.shared_secret} (the cXML shared "
            "secret; never written here)",
            "  Protocol:                cxml",
            f"  Related Commodities:     {commodities}",
            "  SSL Version:             (blank: the newest)",
            "",
        ]
    return lines


def coupa_setup_command(paths: list[str], name: str) -> int:
    item = _find(paths, name)
    print(esc.terminal("\n".join(setup_lines(item)), keep_newlines=True))
    return 0

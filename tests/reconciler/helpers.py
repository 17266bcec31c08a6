"""Helpers of the reconciler tests: the config template, the canary guard, the test world.

Each e2e test gets `world`: the sandbox and moto reset, the AWS env vars pointing boto3 at
them, canary secrets in the environment, a config directory in tmp_path, and helpers to run
the CLI in-process (`world.cli`) or as a real subprocess (`world.run`). At teardown the canary
guard fails the test if a canary secret shows in any captured output, file under tmp_path or
log record.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import boto3

from controller.cli import main
from controller.sandbox import Sandbox

ACCOUNT = "123456789012"  # moto's default account, and the sandbox's
CANARY = "CANARY-7f3a9"
SECRETS = {
    "ACME_COUPA_SECRET": f"{CANARY}-prod-secret",
    "ACME_COUPA_TEST_SECRET": f"{CANARY}-test-secret",
    "GLOBEX_COUPA_SECRET": f"{CANARY}-globex-secret",
    "ACME_COUPA_CLIENT_SECRET": f"{CANARY}-coupa-client",
    "ACME_COUPA_TEST_CLIENT_SECRET": f"{CANARY}-coupa-test-client",
    "GLOBEX_COUPA_CLIENT_SECRET": f"{CANARY}-globex-coupa-client",
}
EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "integrations" / "acme-emea.yaml"
REPO = Path(__file__).resolve().parents[2]
PAST = "2020-01-01"
FUTURE = "2099-01-01"


# --- the config template -------------------------------------------------------------------


def _sub(text: str, pattern: str, replacement: str) -> str:
    new, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert count == 1, f"the example config no longer matches {pattern!r}; update the template"
    return new


def integration_yaml(
    name: str = "acme-emea",
    *,
    account: str = ACCOUNT,
    mode: str = "test",
    email: str = "procurement-ops@acme.example",
    buyer: str = "ACME-EMEA",
    activation: str = PAST,
    secret_env: str = "ACME_COUPA_SECRET",
    role_arn: str | None = None,
    cost_center: str = "4711",
    coupa: bool = False,
) -> str:
    """config/integrations/acme-emea.yaml with the given values swapped in.

    Without `coupa` the spec.coupa block is left out: the AWS side alone, as before it existed.
    """
    text = EXAMPLE.read_text(encoding="utf-8")
    if not coupa:
        start, end = text.index("\n  coupa:"), text.index("\n  tags:")
        text = text[:start] + text[end:]
    text = _sub(text, r"^  name: acme-emea\b", f"  name: {name}")
    text = _sub(text, r'^  account: "111122223333"', f'  account: "{account}"')
    if role_arn:
        text = _sub(text, r"^  region: us-east-1", f"  roleArn: {role_arn}\n  region: us-east-1")
    text = _sub(text, r"^  mode: test\b", f"  mode: {mode}")
    text = _sub(text, r"email: procurement-ops@acme\.example", f"email: {email}")
    text = _sub(text, r"identity: ACME-EMEA\}", f"identity: {buyer}}}")
    text = _sub(text, r"\{env: ACME_COUPA_SECRET\}", f"{{env: {secret_env}}}")
    text = _sub(text, r"activationDate: 2026-10-01", f'activationDate: "{activation}"')
    text = _sub(text, r'cost-center: "4711"', f'cost-center: "{cost_center}"')
    return text


# --- the canary guard ----------------------------------------------------------------------


def canary_leaks(texts: dict[str, str], root: Path | None = None) -> list[str]:
    """Where the canary shows: in `texts` (label -> text) or any file under `root`.

    `::add-mask::` lines are GitHub's masking protocol (the runner swallows them), not output.
    """
    found = []
    for label, text in texts.items():
        for line in text.splitlines():
            if CANARY in line and not line.startswith("::add-mask::"):
                found.append(f"{label}: {line[:200]}")
    if root is not None:
        for path in sorted(root.rglob("*")):
            if path.is_file() and CANARY.encode() in path.read_bytes():
                found.append(f"file {path}")
    return found


def reset_moto(url: str) -> None:
    request = urllib.request.Request(url + "/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


# --- the world of one e2e test -------------------------------------------------------------


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def both(self) -> str:
        return self.out + self.err


class World:
    def __init__(self, sandbox: Sandbox, moto_url: str, tmp_path: Path, capsys) -> None:
        self.sandbox = sandbox
        self.control = sandbox.control
        self.moto_url = moto_url
        self.tmp_path = tmp_path
        self.config = tmp_path / "config"
        self.config.mkdir()
        self.transcript: dict[str, str] = {}
        self._capsys = capsys

    # config files
    def write(self, name: str = "acme-emea", **values) -> Path:
        path = self.config / f"{name}.yaml"
        path.write_text(integration_yaml(name, **values), encoding="utf-8")
        return path

    def remove(self, name: str) -> None:
        (self.config / f"{name}.yaml").unlink()

    # the CLI
    def _record(self, label: str, result: Result) -> Result:
        n = len(self.transcript)
        self.transcript[f"{n}:{label}:stdout"] = result.out
        self.transcript[f"{n}:{label}:stderr"] = result.err
        return result

    def cli(self, *args: str) -> Result:
        """`coupa-gitops ARGS` in-process; config paths default to this test's config dir."""
        self._capsys.readouterr()
        code = main(list(args))
        captured = self._capsys.readouterr()
        return self._record(" ".join(args), Result(code, captured.out, captured.err))

    def run(self, *args: str, timeout: float = 60) -> Result:
        """`python -m controller.cli ARGS` as a real subprocess, stdin not a terminal."""
        proc = subprocess.run(
            [sys.executable, "-m", "controller.cli", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.tmp_path,
            env=os.environ.copy(),
        )
        return self._record(
            "subprocess " + " ".join(args), Result(proc.returncode, proc.stdout, proc.stderr)
        )

    def plan(self, *extra: str) -> Result:
        return self.cli("plan", str(self.config), *extra)

    def apply(self, *extra: str) -> Result:
        return self.cli("apply", str(self.config), *extra)

    def status(self) -> Result:
        return self.cli("status", str(self.config))

    # the live side, read with a real boto3 client (same env as the product)
    def client(self):
        return boto3.client("invoicing")

    def summaries(self) -> list[dict]:
        pages = self.client().get_paginator("list_procurement_portal_preferences")
        return [s for page in pages.paginate() for s in page["ProcurementPortalPreferences"]]

    def tags(self, arn: str) -> dict[str, str]:
        reply = self.client().list_tags_for_resource(ResourceArn=arn)
        return {t["Key"]: t["Value"] for t in reply["ResourceTags"]}

    def get(self, arn: str) -> dict:
        reply = self.client().get_procurement_portal_preference(ProcurementPortalPreferenceArn=arn)
        return reply["ProcurementPortalPreference"]

    def arn_of(self, name: str) -> str:
        arns = [s["ProcurementPortalPreferenceArn"] for s in self.summaries()]
        found = [a for a in arns if self.tags(a).get("coupa-gitops:name") == name]
        assert len(found) == 1, f"expected one preference tagged {name}, found {found}"
        return found[0]

    def live(self, name: str) -> dict:
        return self.get(self.arn_of(name))

    # the endpoint handshake and connection test, as a Coupa admin would do them
    def make_ready(self, name: str = "acme-emea", passed: bool = True) -> str:
        arn = self.arn_of(name)
        sent = self.cli("verify-endpoint", name, "--config", str(self.config))
        assert sent.code == 0, sent.err
        code = self.control.validation_code(arn)
        verified = self.cli("verify-endpoint", name, "--code", code, "--config", str(self.config))
        assert verified.code == 0, verified.err
        self.control.set_connection_test(arn, passed=passed)
        return arn


def unmanaged_request(buyer: str, supplier: str = "AWS-MARKETPLACE") -> dict:
    """A Create request as someone clicking in the console would send it: no coupa-gitops tag."""
    return {
        "ProcurementPortalName": "COUPA",
        "BuyerDomain": "NetworkID",
        "BuyerIdentifier": buyer,
        "SupplierDomain": "NetworkID",
        "SupplierIdentifier": supplier,
        "ProcurementPortalSharedSecret": f"{CANARY}-unmanaged-secret",
        "ProcurementPortalInstanceEndpoint": "https://acme.coupahost.com",
        "EinvoiceDeliveryEnabled": False,
        "PurchaseOrderRetrievalEnabled": True,
        "MarketplacePunchOutEnabled": False,
        "Contacts": [{"Name": "Someone", "Email": "someone@acme.example"}],
        "ResourceTags": [{"Key": "owner", "Value": "console"}],
    }

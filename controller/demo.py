"""`coupa-gitops demo`: the example config end to end against an in-process sandbox.

No AWS account and no credentials: the sandbox answers the Invoicing API, STS and
Organizations on one local port, and holds its state in a throw-away database.
"""

from __future__ import annotations

import os
import secrets
import shlex
import sys
import tempfile
from pathlib import Path

from controller import spec
from controller.errors import UserError

DEMO_KEY = "AKIADEMO00000000"


def _config_dir() -> str:
    here = Path("config")
    if here.is_dir():
        return "config/"
    shipped = Path(__file__).resolve().parents[1] / "config"
    return str(shipped) + "/"


def _integrations_only(source: str, tmp: str) -> str:
    """A copy of the config without its ChangeWindows files, under `tmp`.

    The demo runs on the real clock: at month-end the example calendar would hold its go-live
    back (exit 3), so the walk-through leaves the windows out and says so.
    """
    result = spec.load([source])
    target = Path(tmp) / "config"
    for item in result.integrations:
        target.mkdir(parents=True, exist_ok=True)
        text = Path(item.source.file).read_text(encoding="utf-8")
        (target / f"{item.name}.yaml").write_text(text, encoding="utf-8")  # names are unique
    return str(target) + "/"


def _say(text: str) -> None:
    print(f"\n\033[1m{text}\033[0m" if sys.stdout.isatty() else f"\n== {text}")


def _run(*args: str, expect: tuple[int, ...] = (0,)) -> int:
    from controller.cli import main

    print(f"$ coupa-gitops {shlex.join(args)}", flush=True)
    code = main(list(args))
    sys.stdout.flush()
    if code not in expect:
        raise UserError(f"demo step `coupa-gitops {shlex.join(args)}` exited {code}")
    return code


def _environment(url: str, items) -> None:
    os.environ.update(
        AWS_ENDPOINT_URL_INVOICING=url,
        AWS_ENDPOINT_URL_STS=url,
        AWS_ENDPOINT_URL_ORGANIZATIONS=url,
        AWS_ACCESS_KEY_ID=DEMO_KEY,
        AWS_SECRET_ACCESS_KEY="demo-secret-key",
        AWS_DEFAULT_REGION="us-east-1",
    )
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)
    for item in items:
        for endpoint in filter(None, (item.production, item.test)):
            ref = endpoint.shared_secret
            if ref.source != "env":
                raise UserError(
                    f"the demo resolves only {{env: ...}} secrets; {item.name} uses {ref}"
                )
            os.environ.setdefault(ref.name, secrets.token_urlsafe(24))  # never printed


def _arn_of(name: str, account: str, url: str, items) -> str:
    import boto3

    item = next(i for i in items if i.name == name)
    creds = {"aws_access_key_id": DEMO_KEY, "aws_secret_access_key": "demo-secret-key"}
    if item.role_arn:
        sts = boto3.client("sts", endpoint_url=url, region_name="us-east-1", **creds)
        got = sts.assume_role(RoleArn=item.role_arn, RoleSessionName="demo")["Credentials"]
        creds = {
            "aws_access_key_id": got["AccessKeyId"],
            "aws_secret_access_key": got["SecretAccessKey"],
            "aws_session_token": got["SessionToken"],
        }
    client = boto3.client("invoicing", endpoint_url=url, region_name="us-east-1", **creds)
    for pref in client.list_procurement_portal_preferences()["ProcurementPortalPreferences"]:
        arn = pref["ProcurementPortalPreferenceArn"]
        tags = client.list_tags_for_resource(ResourceArn=arn)["ResourceTags"]
        if {"Key": "coupa-gitops:name", "Value": name} in tags:
            return arn
    raise UserError(f"demo: {name} was not created in account {account}")


def run() -> int:
    """Walk validate -> plan -> apply -> verify -> connection test -> go-live -> status."""
    from controller.sandbox import Sandbox

    shipped = _config_dir()
    loaded = spec.load([shipped])
    items = loaded.require_valid()
    going_live = [i for i in items if i.mode.value == "live"]
    plain = [i for i in items if not i.role_arn]
    accounts = {DEMO_KEY: plain[0].account} if plain else {}
    with (
        tempfile.TemporaryDirectory(prefix="coupa-gitops-demo-") as tmp,
        Sandbox(Path(tmp) / "sandbox.sqlite", accounts=accounts) as sandbox,
    ):
        _environment(sandbox.url, items)
        config = _integrations_only(shipped, tmp) if loaded.calendars else shipped
        if loaded.calendars:
            print(
                f"The demo leaves the change windows in {shipped} out (it runs on the real clock; "
                "`coupa-gitops plan --at` shows what they hold back)."
            )
        _say(f"The sandbox (a local AWS Invoicing API, STS and Organizations) is at {sandbox.url}")
        print("Nothing here talks to AWS. Shared secrets come from environment variables the")
        print("demo filled with random values; they never appear in any output.")

        _say("1. validate: every file against the schema and the service's rules (no AWS)")
        _run("validate", config)

        _say("2. plan: diff the files against the live configuration (reads only)")
        _run("plan", config)

        _say("3. apply the routine changes; go-live waits for a reviewer's approval")
        _run("apply", config, "--auto-approve", "--skip-go-live")

        for item in going_live:
            arn = _arn_of(item.name, item.account, sandbox.url, items)
            _say(
                f"4. verify {item.name}'s endpoint: AWS sends a code to Coupa, the admin returns it"
            )
            _run("verify-endpoint", item.name, "--config", config)
            code = sandbox.control.validation_code(arn)
            print(f"(sandbox) the code the Coupa administrator received: {code}")
            _run("verify-endpoint", item.name, "--code", code, "--config", config)
            _say(f"5. the connection test for {item.name} (simulated by the sandbox: passed)")
            sandbox.control.set_connection_test(arn, True)
            print("(sandbox) connection test passed -> TEST_INITIALIZED")

        _say("6. the go-live plan, as the reviewer reads it in the pull request (Markdown)")
        _run("plan", config, "--format", "markdown")

        _say("7. the approved go-live job: apply --allow-go-live")
        _run("apply", config, "--auto-approve", "--allow-go-live")

        _say("8. status: wanted vs live, last applied commit, drift")
        _run("status", config)

        _say("9. a second plan is empty: the live configuration matches git")
        _run("plan", config, "--detailed-exitcode")
    _say("Done. Try next:")
    print("  coupa-gitops sandbox            # keep a sandbox running; it prints the env to use")
    print("  coupa-gitops validate config/   # edit a file, make a mistake, see the message")
    print("  coupa-gitops plan --help        # --format markdown|json, --out, --changed-since")
    print("  coupa-gitops intent --base HEAD # what a change does, from git alone")
    print("  make test                       # the test suite")
    return 0

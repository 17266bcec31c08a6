"""`coupa-gitops sandbox` in the foreground, as a new user in a second terminal sees it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from controller.cli import build_parser
from controller.commands.sandbox import sandbox_policies
from controller.errors import UserError

EXPORT = re.compile(r"export AWS_ENDPOINT_URL_INVOICING=(http://127\.0\.0\.1:\d+)")


def write_policy(path, condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Action": "invoicing:Get*", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    return str(path)


@pytest.fixture
def running(tmp_path):
    """The command started with --port 0; yields (process, url, banner lines)."""
    command = [
        sys.executable,
        "-m",
        "controller.cli",
        "sandbox",
        "--port",
        "0",
        "--db",
        str(tmp_path / "cli.sqlite"),
        "--account",
        "AKIACLI=111122223333",
        "--policy",
        f"AKIACLIREADER={write_policy(tmp_path / 'reader.json')}",
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    deadline = time.monotonic() + 30
    url = None
    while url is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if match := EXPORT.search(line):
            url = match.group(1)
    try:
        if url is None:
            process.kill()
            pytest.fail("no export line printed:\n" + "".join(lines) + process.stderr.read())
        yield process, url, lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_banner_tells_a_new_user_everything_needed(running):
    process, _url, lines = running
    while "Ctrl-C" not in lines[-1] and lines[-1]:
        lines.append(process.stdout.readline())
    banner = "".join(lines)
    assert "AWS_ACCESS_KEY_ID=" in banner and "AWS_SECRET_ACCESS_KEY=" in banner
    assert "export AWS_DEFAULT_REGION=us-east-1" in banner
    assert "aws invoicing list-procurement-portal-preferences" in banner


def test_the_printed_endpoint_serves_boto3_and_ctrl_c_stops_cleanly(running):
    process, url, _ = running
    client = boto3.client(
        "invoicing",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AKIACLI",
        aws_secret_access_key="x",
    )
    assert client.list_procurement_portal_preferences()["ProcurementPortalPreferences"] == []
    portals = client.list_procurement_portals()["ProcurementPortals"]
    assert {portal["PortalName"] for portal in portals} == {"COUPA", "SAP_BUSINESS_NETWORK"}
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "ListProcurementPortalPreferences -> 200" in stderr  # the request log
    assert "sandbox stopped" in stdout


def test_a_key_given_a_policy_on_the_command_line_is_restricted_by_it(running):
    _, url, _ = running
    reader = boto3.client(
        "invoicing",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AKIACLIREADER",
        aws_secret_access_key="x",
    )
    with pytest.raises(ClientError) as info:
        reader.list_procurement_portals()
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "invoicing:ListProcurementPortals" in info.value.response["Error"]["Message"]


def test_a_port_in_use_is_a_one_line_error(running, tmp_path):
    _, url, _ = running
    port = url.rsplit(":", 1)[1]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "controller.cli",
            "sandbox",
            "--port",
            port,
            "--db",
            str(tmp_path / "x"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot start the sandbox")
    assert "Traceback" not in result.stderr


def test_the_policy_flag_is_repeatable_and_maps_keys_and_role_arns_to_documents(tmp_path):
    policy = write_policy(tmp_path / "p.json")
    role = "arn:aws:iam::111122223333:role/routine"
    args = build_parser().parse_args(
        ["sandbox", "--policy", f"AKIACLI={policy}", "--policy", f"{role}={policy}"]
    )
    policies = sandbox_policies(args.policy)
    assert set(policies) == {"AKIACLI", role}
    assert policies["AKIACLI"]["Statement"][0]["Action"] == "invoicing:Get*"


@pytest.mark.parametrize("item", ["AKIACLI", "=p.json", "AKIACLI="])
def test_a_policy_flag_without_key_and_file_is_a_user_error(item):
    with pytest.raises(UserError, match=r"ACCESS_KEY=POLICY\.json"):
        sandbox_policies([item])


def test_a_policy_file_with_an_unknown_operator_is_a_one_line_error_naming_it(tmp_path):
    policy = write_policy(tmp_path / "typo.json", {"StringEqualz": {"aws:TagKeys": "x"}})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "controller.cli",
            "sandbox",
            "--port",
            "0",
            "--policy",
            f"K={policy}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: --policy K:") and "StringEqualz" in result.stderr
    assert "Traceback" not in result.stderr


def _whole_banner(process, lines: list[str]) -> str:
    while "Ctrl-C" not in lines[-1] and lines[-1]:
        lines.append(process.stdout.readline())
    return "".join(lines)


def test_the_banner_exports_the_sts_and_organizations_endpoints_too(running):
    process, url, lines = running
    banner = _whole_banner(process, lines)
    for service in ("INVOICING", "STS", "ORGANIZATIONS"):
        assert f"export AWS_ENDPOINT_URL_{service}={url}" in banner


def test_the_banner_names_the_account_of_its_key_and_how_to_map_another(running):
    process, _url, lines = running
    banner = _whole_banner(process, lines)
    assert "The key sandbox acts as account 123456789012" in banner
    assert "--account KEY=ACCOUNT" in banner
    assert "AKIACLI -> 111122223333" in banner  # the mapping given on the command line


def test_the_banner_shows_how_to_get_a_code_and_pass_a_connection_test(running):
    process, url, lines = running
    banner = _whole_banner(process, lines)
    assert f"curl '{url}/_sandbox/validation-code?arn=ARN'" in banner
    assert f"curl -X POST {url}/_sandbox/connection-test" in banner


def test_sandbox_help_documents_the_control_endpoints():
    from controller.cli import build_parser

    sandbox = build_parser()._subparsers._group_actions[0].choices["sandbox"]
    text = sandbox.format_help()
    assert "validation-code?arn=ARN" in text
    assert "POST connection-test" in text
    assert "verify-endpoint NAME --code CODE" in text

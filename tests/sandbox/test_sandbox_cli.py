"""`coupa-gitops sandbox` in the foreground, as a new user in a second terminal sees it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import boto3
import pytest

EXPORT = re.compile(r"export AWS_ENDPOINT_URL_INVOICING=(http://127\.0\.0\.1:\d+)")


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

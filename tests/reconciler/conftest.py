"""Fixtures: one sandbox and one moto server per session (real HTTP); `world` per e2e test.

`world` resets the sandbox and moto, points boto3 at them through the standard env vars,
plants canary secrets in the environment and, at teardown, fails the test if a canary shows in
any captured output, file under tmp_path or log record of the `controller` logger.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from controller.sandbox import Sandbox

from .helpers import SECRETS, World, canary_leaks, reset_moto

# --- the servers ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("reconciler-sandbox") / "state.sqlite") as sb:
        yield sb


@pytest.fixture
def world(
    sandbox: Sandbox,
    moto_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[World]:
    sandbox.control.set_faults(latency_ms=0, fault_rate=0.0, throttle_rate=0.0)
    sandbox.control.reset()
    sandbox.control.coupa.reset()
    reset_moto(moto_url)
    for var in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "NO_COLOR",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_INVOICING", sandbox.url)
    monkeypatch.setenv("COUPA_ENDPOINT_URL", sandbox.url)  # every Coupa instance: the emulator
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTRECONCILER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for var, value in SECRETS.items():
        monkeypatch.setenv(var, value)
    monkeypatch.chdir(tmp_path)  # outside any git checkout unless a test makes one
    caplog.set_level(logging.DEBUG, logger="controller")
    w = World(sandbox, moto_url, tmp_path, capsys)
    yield w
    sandbox.control.set_faults(latency_ms=0, fault_rate=0.0, throttle_rate=0.0)
    rest = capsys.readouterr()
    texts = {**w.transcript, "stdout (rest)": rest.out, "stderr (rest)": rest.err}
    texts["log"] = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    leaks = canary_leaks(texts, tmp_path)
    assert not leaks, "canary secret leaked:\n" + "\n".join(leaks)

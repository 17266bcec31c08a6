"""An AWS endpoint that accepts connections and never answers: the call gives up, and says so."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from controller.errors import UserError
from controller.providers.aws.live import Clients, Limits, Target

TARGET = Target("123456789012", "us-east-1")


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A real TCP server that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTIMEOUT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_a_silent_endpoint_fails_within_the_budget_naming_the_endpoint(
    silent_endpoint: str, aws_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_INVOICING", silent_endpoint)
    clients = Clients(limits=Limits(connect=0.5, read=0.5, budget=2.5))
    started = time.monotonic()
    with pytest.raises(UserError) as caught:
        clients.call(TARGET, "invoicing", "ListProcurementPortalPreferences")
    elapsed = time.monotonic() - started
    assert elapsed < 6, f"gave up after {elapsed:.1f} s; the budget was 2.5 s"
    message = str(caught.value)
    assert f"AWS endpoint {silent_endpoint}" in message
    assert "did not answer within 2.5 s" in message
    assert "invoicing:ListProcurementPortalPreferences" in message


def test_without_the_deadline_botocore_would_retry_ten_times(
    silent_endpoint: str, aws_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The budget, not the attempt count, ends the call: more than one attempt was made."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_INVOICING", silent_endpoint)
    attempts: list[int] = []
    clients = Clients(limits=Limits(connect=0.3, read=0.3, budget=2.0))
    client = clients.client(TARGET, "invoicing")
    client.meta.events.register("before-send", lambda **kw: attempts.append(1))
    with pytest.raises(UserError):
        clients.call(TARGET, "invoicing", "ListProcurementPortalPreferences")
    assert 1 < len(attempts) < 10


def test_timeouts_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUPA_GITOPS_READ_TIMEOUT", "7")
    monkeypatch.setenv("COUPA_GITOPS_CALL_BUDGET", "20")
    assert Limits.from_env() == Limits(connect=10.0, read=7.0, budget=20.0)


def test_the_default_limits_give_up_within_two_minutes() -> None:
    limits = Limits()
    # The last retry starts only if it can end within the budget; backoff adds under 20 s.
    assert limits.budget + 20 <= 120
    assert (limits.connect, limits.read) == (10.0, 30.0)


def test_the_cli_reports_a_silent_endpoint_as_an_error_not_a_hang(
    silent_endpoint: str, aws_env, monkeypatch: pytest.MonkeyPatch, tmp_path, capsys
) -> None:
    from controller.cli import main

    from .helpers import integration_yaml

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "acme-emea.yaml").write_text(integration_yaml(), encoding="utf-8")
    for service in ("INVOICING", "STS", "ORGANIZATIONS"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", silent_endpoint)
    monkeypatch.setenv("COUPA_GITOPS_CONNECT_TIMEOUT", "0.3")
    monkeypatch.setenv("COUPA_GITOPS_READ_TIMEOUT", "0.3")
    monkeypatch.setenv("COUPA_GITOPS_CALL_BUDGET", "1.5")
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    assert main(["plan", "config"]) == 1
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert err.startswith(f"error: AWS endpoint {silent_endpoint}")
    assert "did not answer within 1.5 s" in err
    assert "hit a bug" not in err


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("env", "tty", "wanted"),
    [({}, True, True), ({}, False, False), ({"COUPA_GITOPS_PROGRESS": "1"}, False, True)],
    ids=["terminal", "ci-log", "asked"],
)
def test_progress_shows_on_a_terminal_or_when_asked_and_is_quiet_in_ci(env, tty, wanted):
    from controller.providers.aws.live import progress_wanted

    assert progress_wanted(env, _Stream(tty)) is wanted

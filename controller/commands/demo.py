"""`coupa-gitops demo`: the example config end to end against an in-process sandbox.

No AWS account and no credentials: the sandbox answers the Invoicing API, STS and
Organizations on one local port, and holds its state in a throw-away database.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import os
import secrets
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from controller import config
from controller.config.model import Integration
from controller.errors import UserError

if TYPE_CHECKING:
    from controller.config.model import Integration
    from controller.sandbox import Sandbox

DEMO_KEY = "AKIADEMO00000000"


CONFIG = "config/"  # the demo's working copy, relative to its temporary directory
EXAMPLES = "integrations"


def _examples() -> list[tuple[str, str]]:
    """(file name, text) of the example config: shipped in the package, else the checkout's."""
    try:
        shipped = importlib.resources.files("controller.examples")
        found = [
            (e.name, e.read_text("utf-8")) for e in shipped.iterdir() if e.name.endswith(".yaml")
        ]
    except ModuleNotFoundError:  # run from a checkout without installing (PYTHONPATH=.)
        found = []
    if not found:
        repo = Path(__file__).resolve().parents[2] / "config" / EXAMPLES
        found = [(p.name, p.read_text("utf-8")) for p in repo.glob("*.yaml")]
    if not found:
        raise UserError("demo: the example config is not installed with coupa-gitops")
    return sorted(found)


@contextlib.contextmanager
def _working_copy(tmp: Path) -> Iterator[None]:
    """Copy the examples to TMP/config/ and work there, so any directory will do."""
    target = tmp / CONFIG / EXAMPLES
    target.mkdir(parents=True)
    for name, text in _examples():
        (target / name).write_text(text, encoding="utf-8")
    before = os.getcwd()
    os.chdir(tmp)
    try:
        yield
    finally:
        os.chdir(before)
        shutil.rmtree(tmp / CONFIG, ignore_errors=True)


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


def _environment(url: str, items: Iterable[Integration]) -> None:
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
    os.environ["COUPA_ENDPOINT_URL"] = url  # every Coupa instance: the sandbox's emulator
    for item in items:
        clients = (item.coupa.production, item.coupa.test) if item.coupa else ()
        for client in filter(None, clients):
            if client.client_secret.source != "env":
                raise UserError(
                    f"the demo resolves only {{env: ...}} secrets; {item.name} does not"
                )
            os.environ.setdefault(client.client_secret.name, secrets.token_urlsafe(24))


def _show_coupa(sandbox: Sandbox, items: Sequence[Integration]) -> None:
    """What the emulated Coupa holds now: each supplier wired to AWS's PO endpoint."""
    from controller.providers.coupa.resources import endpoint, environments, host_of

    for item in items:
        for env in environments(item):
            host = host_of(endpoint(item, env).instance_url)
            for s in sandbox.control.coupa.suppliers(host):
                print(
                    f"(sandbox) Coupa {host}: supplier {s['name']!r} {s.get('status')}, "
                    f"po-method {s.get('po-method')}, cxml-url {s.get('cxml-url')}"
                )


def _arn_of(name: str, account: str, items: Iterable[Integration]) -> str:
    """The ARN the tool created for `name`, read through the tool's own session (plan role)."""
    from controller.commands import Session
    from controller.config.model import Role

    item = next(i for i in items if i.name == name)
    for pref in Session(Role.PLAN).observe([item]).preferences:
        if pref.managed_name == name and pref.account == account:
            return pref.arn
    raise UserError(f"demo: {name} was not created in account {account}")


def run() -> int:
    """Walk validate -> plan -> apply -> verify -> connection test -> go-live -> status."""
    with (
        tempfile.TemporaryDirectory(prefix="coupa-gitops-demo-") as tmp,
        _working_copy(Path(tmp)),
    ):
        _walk(Path(tmp))
    _say("Done. Try next:")
    print("  coupa-gitops sandbox            # keep a sandbox running; it prints the env to use")
    print("  coupa-gitops validate config/   # edit a file, make a mistake, see the message")
    print("  coupa-gitops plan --help        # --format markdown|json, --out, --changed-since")
    print("  coupa-gitops intent --base HEAD # what a change does, from git alone")
    print("  make test                       # the test suite")
    return 0


def _walk(tmp: Path) -> None:
    from controller.sandbox import Sandbox

    # The working copy holds the example integrations only: no change windows, since the
    # demo runs on the real clock and a month-end window would hold its go-live back.
    workdir = CONFIG
    items = config.load([workdir]).require_valid()
    going_live = [i for i in items if i.mode.value == "live"]
    plain = [i for i in items if not i.role_arn]
    accounts = {DEMO_KEY: plain[0].account} if plain else {}
    print(f"(the example config is copied to {tmp / CONFIG}; the demo works there)")
    with Sandbox(tmp / "sandbox.sqlite", accounts=accounts) as sandbox:
        _environment(sandbox.url, items)
        _say(f"The sandbox (a local AWS Invoicing API, STS and Organizations) is at {sandbox.url}")
        print("Nothing here talks to AWS. Shared secrets come from environment variables the")
        print("demo filled with random values; they never appear in any output.")

        _say("1. validate: every file against the schema and the service's rules (no AWS)")
        _run("validate", workdir)

        _say("2. plan: diff the files against the live configuration (reads only)")
        _run("plan", workdir)

        _say("3. apply the routine changes; go-live waits for a reviewer's approval")
        _run("apply", workdir, "--auto-approve", "--skip-go-live")

        for item in going_live:
            arn = _arn_of(item.name, item.account, items)
            _say(
                f"4. verify {item.name}'s endpoint: AWS sends a code to Coupa, the admin returns it"
            )
            _run("verify-endpoint", item.name, workdir)
            code = sandbox.control.validation_code(arn)
            print(f"(sandbox) the code the Coupa administrator received: {code}")
            _run("verify-endpoint", item.name, workdir, "--code", code)
            _say(f"5. the connection test for {item.name} (simulated by the sandbox: passed)")
            sandbox.control.set_connection_test(arn, True)
            print("(sandbox) connection test passed -> TEST_INITIALIZED")

        _say("6. the go-live plan, as the reviewer reads it in the pull request (Markdown)")
        _run("plan", workdir, "--format", "markdown")

        _say("7. the approved go-live job: apply --allow-go-live")
        _run("apply", workdir, "--auto-approve", "--allow-go-live")

        _show_coupa(sandbox, items)

        _say("8. status: wanted vs live, last applied commit, drift")
        _run("status", workdir)

        _say("9. a second plan is empty: the live configuration matches git")
        _run("plan", workdir, "--detailed-exitcode")

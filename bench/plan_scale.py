"""How close a steady-state `plan` gets to the latency floor, at scale.

N integrations (default 200) are created in a sandbox running in its own process; then the
sandbox adds LATENCY ms (default 25) to every API call and `plan` runs once. The floor is
ceil(calls / concurrency) x latency: what a perfect client would need for the calls it makes.
Prints wall time, API calls per integration, and the ratio wall / floor (target <= 1.5).

Usage: python bench/plan_scale.py [--integrations 200] [--latency-ms 25] [--concurrency 8]
Needs the test extras (moto) for STS and Organizations.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox_process import aws_only_example, free_port, wait_up  # bench/ is on sys.path when run

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = aws_only_example()
ACCOUNT = "123456789012"  # moto's and the sandbox's default account


def write_configs(root: Path, count: int) -> None:
    for i in range(count):
        text = TEMPLATE.replace("name: acme-emea", f"name: bench-{i:04d}")
        text = text.replace('"111122223333"', f'"{ACCOUNT}"')
        text = text.replace("identity: ACME-EMEA}", f"identity: BENCH-{i:04d}}}")
        (root / f"bench-{i:04d}.yaml").write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--integrations", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=25.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log

    from controller import commands
    from controller.config.model import Role
    from controller.sandbox import call_counts, reset_call_counts, set_faults

    moto = ThreadedMotoServer(port=0, verbose=False)
    moto.start()
    host, mport = moto.get_host_and_port()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "config").mkdir()
        write_configs(root / "config", args.integrations)
        sandbox = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "controller.cli",
                "sandbox",
                "--port",
                str(port),
                "--db",
                str(root / "sandbox.sqlite"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_up(url)
            os.environ.update(
                AWS_ENDPOINT_URL_INVOICING=url,
                AWS_ENDPOINT_URL_STS=f"http://{host}:{mport}",
                AWS_ENDPOINT_URL_ORGANIZATIONS=f"http://{host}:{mport}",
                AWS_ACCESS_KEY_ID="AKIABENCH",
                AWS_SECRET_ACCESS_KEY="bench",
                AWS_DEFAULT_REGION="us-east-1",
                ACME_COUPA_SECRET="bench-secret",
                ACME_COUPA_TEST_SECRET="bench-test-secret",
            )
            config = [str(root / "config")]
            start = time.perf_counter()
            setup = commands.Session(Role.APPLY, concurrency=args.concurrency)
            scope = commands.load_scope(config)
            plan = setup.plan(scope, None)
            from controller.engine.requirements import Options, gate
            from controller.providers.aws.apply import Applier

            Applier(
                setup.clients.call,
                setup.target,
                setup.secrets,
                {i.name: i for i in scope.items},
                None,
            ).run(gate(plan, Options()), lambda _: None)
            print(
                f"setup: {args.integrations} integrations created in "
                f"{time.perf_counter() - start:.1f} s"
            )

            set_faults(url, latency_ms=args.latency_ms)
            reset_call_counts(url)
            start = time.perf_counter()
            session = commands.Session(Role.PLAN, concurrency=args.concurrency)
            scope = commands.load_scope(config)
            validate = time.perf_counter() - start
            plan = session.plan(scope, None)
            wall = time.perf_counter() - start
            counts = call_counts(url)
        finally:
            sandbox.terminate()
            sandbox.wait(10)
            moto.stop()
    calls = sum(counts.values())
    assert not plan.has_changes, "steady state expected: the plan should be empty"
    floor = math.ceil(calls / args.concurrency) * args.latency_ms / 1000
    print(
        f"plan of {args.integrations} integrations, {args.latency_ms:.0f} ms per call, "
        f"concurrency {args.concurrency}"
    )
    print(f"  wall time: {wall:.2f} s")
    print(
        f"  API calls: {calls} ({calls / args.integrations:.2f} per integration): "
        + ", ".join(f"{op} {n}" for op, n in sorted(counts.items()))
    )
    print(f"  floor ceil({calls}/{args.concurrency}) x {args.latency_ms:.0f} ms = {floor:.2f} s")
    print(f"  ratio wall/floor: {wall / floor:.2f} (target <= 1.5)")
    # The floor of bench/multi_account.py: validate's own time is work no client saves.
    print(
        f"  with validate's own time ({validate:.2f} s) in the floor: "
        f"{wall / (floor + validate):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

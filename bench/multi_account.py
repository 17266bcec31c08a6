"""How close a steady-state `plan` and `apply` of many payer accounts get to the latency floor.

Each row is ACCOUNTSxINTEGRATIONS (default 50x4 and 200x2): every integration reaches its
account through spec.roleArn (AssumeRole). One sandbox in its own process answers Invoicing,
STS and Organizations on one port; the preferences are created, then the sandbox adds
LATENCY ms (default 25) to every call and `plan`, then a steady-state `apply --auto-approve`,
run once each in a fresh process (as in CI), which reports its wall time and peak RSS (the
driver stays small: a child starts with the peak RSS of its parent).

The floor is validate's own time (load_scope, timed in a fresh process of its own) plus
ceil(calls / concurrency) x latency: what a perfect client would need for the calls made.
Imports are done before the clock starts; loading service models, when clients are made,
is timed. Target: plan <= 1.5x the floor at 50 accounts; peak RSS a few MB per account at most.

Usage: python bench/multi_account.py [--rows 50x4,200x2] [--latency-ms 25] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox_process import aws_only_example, free_port, wait_up  # bench/ is on sys.path when run

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = aws_only_example()
FIRST_ACCOUNT = 210000000000
ENV = {
    "AWS_ACCESS_KEY_ID": "AKIABENCHHUB",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "ACME_COUPA_SECRET": "bench-secret",
    "ACME_COUPA_TEST_SECRET": "bench-test-secret",
}


def write_configs(root: Path, accounts: int, per_account: int) -> None:
    for a in range(accounts):
        account = f"{FIRST_ACCOUNT + a}"
        for i in range(per_account):
            name = f"bench-{a:04d}-{i}"
            text = TEMPLATE.replace("name: acme-emea", f"name: {name}")
            text = text.replace(
                '"111122223333"',
                f'"{account}"\n  roleArn: arn:aws:iam::{account}:role/coupa-gitops-{{role}}',
            )
            text = text.replace("identity: ACME-EMEA}", f"identity: BENCH-{a:04d}-{i}}}")
            (root / f"{name}.yaml").write_text(text)


# --- the worker: one command in a fresh process ----------------------------------------------


def worker(kind: str, config: str, concurrency: int) -> int:
    """Time one command (setup | validate | plan | apply); print its wall, CPU and peak RSS."""
    from controller import commands
    from controller.engine.requirements import Options

    if kind != "validate":
        # boto3's import is not what is measured
        import controller.providers.aws.live
        import controller.secrets  # noqa: F401

    usage = resource.getrusage(resource.RUSAGE_SELF)
    base, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    sink = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(sink):
        if kind == "validate":
            commands.load_scope([config])
        elif kind == "plan":
            code = commands.plan_command([config], concurrency=concurrency)
            assert code == 0
        elif kind == "setup":
            commands.apply_command([config], auto_approve=True, options=Options())
        else:
            code = commands.apply_command(
                [config], auto_approve=True, options=Options(), concurrency=concurrency
            )
            assert code == 0
    wall = time.perf_counter() - start
    if kind in ("plan", "apply"):
        assert "No changes" in sink.getvalue(), "steady state expected:\n" + sink.getvalue()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu
    print(
        json.dumps(
            {"wall": wall, "cpu": cpu, "rss_mb": usage.ru_maxrss / 1024, "base_rss_mb": base}
        )
    )
    return 0


def run_worker(kind: str, config: Path, concurrency: int) -> dict:
    command = [sys.executable, __file__, "--worker", kind, "--config", str(config)]
    proc = subprocess.run(
        [*command, "--concurrency", str(concurrency)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the driver ------------------------------------------------------------------------------


def row(url: str, root: Path, accounts: int, per_account: int, args) -> list[str]:
    from controller.sandbox import call_counts, reset, reset_call_counts, set_faults

    config = root / f"config-{accounts}x{per_account}"
    config.mkdir()
    write_configs(config, accounts, per_account)
    set_faults(url, latency_ms=0)
    reset(url)
    started = time.perf_counter()
    run_worker("setup", config, args.concurrency)  # no latency yet: creates every preference
    lines = [
        f"{accounts} accounts x {per_account} integrations via roles, {args.latency_ms:.0f} ms "
        f"per call, concurrency {args.concurrency} (setup {time.perf_counter() - started:.0f} s)"
    ]
    validate = run_worker("validate", config, args.concurrency)["wall"]
    lines.append(f"  validate's own time: {validate:.2f} s")
    set_faults(url, latency_ms=args.latency_ms)
    for kind in ("plan", "apply"):
        reset_call_counts(url)
        result = run_worker(kind, config, args.concurrency)
        counts = call_counts(url)
        calls = sum(counts.values())
        floor = validate + math.ceil(calls / args.concurrency) * args.latency_ms / 1000
        lines.append(
            f"  {kind:5}: wall {result['wall']:.2f} s, floor {floor:.2f} s, ratio "
            f"{result['wall'] / floor:.2f}; CPU {result['cpu']:.2f} s; "
            f"peak RSS {result['rss_mb']:.0f} MB "
            f"({(result['rss_mb'] - result['base_rss_mb']) / accounts:.2f} MB per account "
            "over the imports)"
        )
        lines.append(
            f"         {calls} calls: " + ", ".join(f"{op} {n}" for op, n in sorted(counts.items()))
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", default="50x4,200x2", help="ACCOUNTSxINTEGRATIONS,...")
    parser.add_argument("--latency-ms", type=float, default=25.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--worker", choices=["setup", "validate", "plan", "apply"], help=argparse.SUPPRESS
    )
    parser.add_argument("--config", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.config, args.concurrency)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    os.environ.update(
        ENV,
        AWS_ENDPOINT_URL_INVOICING=url,
        AWS_ENDPOINT_URL_STS=url,
        AWS_ENDPOINT_URL_ORGANIZATIONS=url,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        command = [sys.executable, "-m", "controller.cli", "sandbox", "--port", str(port)]
        sandbox = subprocess.Popen(
            [*command, "--db", str(root / "sandbox.sqlite")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        try:
            wait_up(url)
            for spec in args.rows.split(","):
                accounts, per_account = (int(n) for n in spec.lower().split("x"))
                print("\n".join(row(url, root, accounts, per_account, args)), flush=True)
        finally:
            sandbox.terminate()
            sandbox.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())

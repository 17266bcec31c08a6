"""Command line: parses arguments, calls one function per command, maps outcomes to exit codes."""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from controller import __version__
from controller.errors import BlockedError, UserError

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_BLOCKED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

DESCRIPTION = """\
Run the AWS Marketplace <-> Coupa procurement integration as code.

Each integration is one YAML file under config/. The usual loop is:
  coupa-gitops validate            check every file (no AWS access needed)
  coupa-gitops plan                diff the files against AWS; changes nothing
  coupa-gitops apply               make AWS match the files (routine changes)
  coupa-gitops apply --allow-go-live   ...including go-live changes (approved job only)
  coupa-gitops status              what is live, per integration, and any drift

Try it all locally, no AWS account needed:
  coupa-gitops demo                sandbox + example config, end to end
  coupa-gitops sandbox             a local stand-in for the AWS Invoicing API

Exit codes: 0 ok, 1 error, 2 plan has changes (--detailed-exitcode),
3 blocked: a go-live/replace/delete needs its flag, or a change window is open.
"""


def _add_validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check config files against the schema and the service's rules",
        description="Check every integration file under PATHS (default: config/) against "
        "schemas/coupa-integration.v1.json and the rules the AWS service enforces. "
        "Reports every problem in every file as path:line:col: dotted.path: message. "
        "Needs no AWS access. Exit 0 when valid, 1 when not.",
    )
    p.add_argument(
        "paths", nargs="*", default=["config/"], metavar="PATHS", help="default: config/"
    )
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text: file:line:col: path: message; json: the same problems for machines",
    )
    p.set_defaults(run=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    from controller.commands import validate

    return validate.run(args.paths, fmt=args.format)


SANDBOX_HELP = """\
Start a local emulator of the AWS Invoicing procurement-portal API (with STS and
Organizations) in the foreground. It prints the environment to export so that coupa-gitops,
boto3 and the AWS CLI use it: AWS_ENDPOINT_URL_INVOICING, _STS and _ORGANIZATIONS, an access
key and secret, the region, and the account that key acts as. Stop it with Ctrl-C.

Control endpoints (sandbox-only, JSON, under URL/_sandbox/) do what AWS and the Coupa
administrator do for real, so the README's go-live steps can be followed here:

  GET  validation-code?arn=ARN     the code SendProcurementPortalValidation sent (what the
                                   Coupa admin would read); give it to
                                   `coupa-gitops verify-endpoint NAME --code CODE`
  POST connection-test             {"arn": ARN, "passed": true|false, "feature": optional
                                   EinvoiceDelivery|PurchaseOrderRetrieval}: the connection
                                   test's outcome (VALIDATED -> TEST_INITIALIZED or TEST_FAILED)
  POST drift                       {"arn": ARN, "changes": {...}}: edit a preference as the
                                   console would (deep merge; null deletes a member)
  GET|POST faults                  read or set latency_ms, fault_rate, throttle_rate, seed
  GET  calls, POST calls/reset     API calls counted per operation
  GET|POST accounts                read, or map {"access_key_id": KEY, "account_id": ACCOUNT}
  GET|PUT policies                 read, or set {"accessKey": KEY or ROLE_ARN, "policy": DOC}
  POST organization                {"management": ACCOUNT, "members": [...]}
  POST reset                       forget every preference, code and count
  GET  health                      {"ok": true}

For example:
  curl 'http://127.0.0.1:4566/_sandbox/validation-code?arn=ARN'
  curl -X POST http://127.0.0.1:4566/_sandbox/connection-test -d '{"arn": "ARN", "passed": true}'

What the sandbox models where AWS documents nothing (the status transitions, what Put does
to a live preference, the supplier list) is ours: docs/sandbox.md.
"""


def _add_sandbox(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sandbox",
        help="run a local emulator of the AWS Invoicing procurement-portal API",
        description=SANDBOX_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=4566, help="0 picks a free port")
    p.add_argument("--db", default="sandbox.sqlite", help="SQLite file that keeps the state")
    p.add_argument("--latency-ms", type=int, default=0, help="added to every API call")
    p.add_argument("--fault-rate", type=float, default=0.0, help="share of calls failing 500")
    p.add_argument("--throttle-rate", type=float, default=0.0, help="share throttled (429)")
    p.add_argument("--seed", type=int, default=None, help="makes injected faults repeatable")
    p.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="ACCESS_KEY=ACCOUNT",
        help="map an access key id to an account id (repeatable; default 123456789012)",
    )
    p.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="ACCESS_KEY=POLICY.json",
        help="restrict an access key to an IAM policy document (repeatable; a role ARN instead "
        "of a key restricts the keys STS AssumeRole mints for that role; default: no limits)",
    )
    p.set_defaults(run=_run_sandbox)


def sandbox_policies(items: list[str]) -> dict[str, dict]:
    """`--policy KEY=FILE` values as {key or role ARN: policy document} (split at the first =)."""
    import json

    from controller.sandbox.aws.iam import Policy

    policies = {}
    for item in items:
        principal, sep, path = item.partition("=")
        if not sep or not principal or not path:
            raise UserError(f"--policy {item!r}: expected ACCESS_KEY=POLICY.json")
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
            Policy.parse(document)
        except (OSError, ValueError) as exc:
            raise UserError(f"--policy {principal}: {path}: {exc}") from None
        policies[principal] = document
    return policies


def _run_sandbox(args: argparse.Namespace) -> int:
    from controller.sandbox import serve_forever

    accounts = dict(item.split("=", 1) for item in args.account)
    return serve_forever(
        host=args.host,
        port=args.port,
        db=args.db,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        throttle_rate=args.throttle_rate,
        seed=args.seed,
        accounts=accounts,
        policies=sandbox_policies(args.policy),
    )


def _paths(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths", nargs="*", default=["config/"], metavar="PATHS", help="default: config/"
    )


def _shard(text: str):
    from controller.engine.shard import Shard

    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def _scale(p: argparse.ArgumentParser, concurrency: bool = True) -> None:
    """--shard (and --concurrency): options for estates of many accounts."""
    p.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help="cover only the K-th of N parts of the accounts, split by a stable hash of the "
        "account id (a GitHub Actions matrix of N jobs covers them all)",
    )
    if concurrency:
        p.add_argument(
            "--concurrency",
            type=_positive,
            default=8,
            metavar="N",
            help="AWS calls in flight at most (default 8; the billing APIs throttle, and "
            "throttled calls are retried with backoff)",
        )


def _add_plan(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan",
        help="show what apply would change in AWS (reads only)",
        description="Read the live configuration through the AWS API and diff it against "
        "the config files. Changes nothing. Go-live changes are listed first with a "
        "readiness check. Exit 0 (2 with --detailed-exitcode when there are changes), 1 on error.",
    )
    _paths(p)
    p.add_argument(
        "--format",
        choices=["text", "markdown", "json"],
        default="text",
        help="text: the terminal; markdown: the pull-request comment; json: machines",
    )
    p.add_argument("--out", metavar="PLANFILE", help="save the plan for `apply --plan`")
    p.add_argument(
        "--changed-since",
        metavar="GITREF",
        help="plan only integrations whose files changed since GITREF (all, if schemas/ or "
        "controller/ changed)",
    )
    p.add_argument("--detailed-exitcode", action="store_true", help="exit 2 when there are changes")
    p.add_argument(
        "--no-secrets",
        action="store_true",
        help="do not read secrets (pull requests, drift with the read-only plan role): they "
        "are shown as not compared, and the plan cannot be applied",
    )
    p.add_argument(
        "--step-summary",
        action="store_true",
        help="also append the Markdown plan to $GITHUB_STEP_SUMMARY (GitHub Actions)",
    )
    p.add_argument(
        "--at",
        metavar="TIME",
        type=_moment,
        help="evaluate change windows at TIME (ISO 8601, e.g. 2027-01-31T09:00+01:00; without "
        "an offset: UTC) to answer 'could this go live then?'; planning only: apply always "
        "uses the real clock, and an --at plan cannot be saved with --out",
    )
    _scale(p)
    p.set_defaults(run=_run_plan)


def _moment(text: str):
    """An ISO 8601 date or date-time; without an offset it is UTC."""
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time, e.g. 2027-01-31T09:00+01:00 or 2027-01-31"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _run_plan(args: argparse.Namespace) -> int:
    from controller import commands

    if args.at is not None and args.out:
        raise UserError("--at is a what-if for planning: it cannot be saved with --out for apply")
    return commands.plan_command(
        args.paths,
        fmt=args.format,
        out=args.out,
        changed_since=args.changed_since,
        detailed_exitcode=args.detailed_exitcode,
        summary=args.step_summary,
        read_secrets=not args.no_secrets,
        at=args.at,
        concurrency=args.concurrency,
        shard=args.shard,
    )


def _add_apply(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "apply",
        help="make AWS match the config files",
        description="Plan, then apply. Routine changes run; go-live changes (test -> live, "
        "suspending, changing a live endpoint/identity/secret/feature, replacing or deleting "
        "a live integration) need --allow-go-live and a passing readiness check. Without a "
        "terminal, needs --auto-approve or --plan. Exit 0 done, 1 error, 3 blocked.",
    )
    _paths(p)
    p.add_argument("--plan", dest="plan_file", metavar="PLANFILE", help="apply a saved plan")
    p.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")
    p.add_argument("--allow-go-live", action="store_true", help="run go-live changes too")
    p.add_argument(
        "--skip-go-live", action="store_true", help="leave go-live changes pending; exit 0"
    )
    p.add_argument("--allow-replace", action="store_true", help="allow delete + re-create")
    p.add_argument("--allow-delete", action="store_true", help="allow deleting orphans")
    p.add_argument(
        "--step-summary",
        action="store_true",
        help="append a Markdown report to $GITHUB_STEP_SUMMARY",
    )
    p.add_argument(
        "--override-window",
        action="append",
        default=[],
        metavar="NAME",
        help="emergency: go through the open change window NAME (repeatable); only with "
        "--allow-go-live and --reason, and only if the window says `override: allowed`. "
        "Recorded on the preference (tag coupa-gitops:override) and in the job summary",
    )
    p.add_argument(
        "--reason",
        metavar="TEXT",
        help="why the window is overridden (letters, digits, spaces and _ . : / = + - @; "
        "at most 200 characters)",
    )
    _scale(p)
    p.set_defaults(run=_run_apply)


def _run_apply(args: argparse.Namespace) -> int:
    from controller import commands
    from controller.engine.requirements import Options

    options = Options(
        allow_go_live=args.allow_go_live,
        skip_go_live=args.skip_go_live,
        allow_replace=args.allow_replace,
        allow_delete=args.allow_delete,
        override_windows=tuple(args.override_window),
    )
    return commands.apply_command(
        args.paths,
        plan_file=args.plan_file,
        auto_approve=args.auto_approve,
        options=options,
        summary=args.step_summary,
        reason=args.reason,
        concurrency=args.concurrency,
        shard=args.shard,
    )


def _add_intent(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "intent",
        help="what a change asks for, from git alone (no AWS access)",
        description="Compare the config files at --base with the working tree and list the "
        "integrations added, edited and removed, the mode changes (test -> live, ...) and "
        "which are go-live changes. Needs no AWS access, so it works for pull requests from "
        "forks. The plan is authoritative. Exit 0; 1 when git cannot answer.",
    )
    p.add_argument(
        "paths", nargs="*", default=["config/"], metavar="PATHS", help="default: config/"
    )
    p.add_argument("--base", required=True, metavar="REF", help="git ref to compare with")
    p.add_argument(
        "--format",
        choices=["text", "markdown", "json"],
        default="text",
        help="text: the terminal; markdown: the pull-request comment; json: machines",
    )
    p.set_defaults(run=_run_intent)


def _run_intent(args: argparse.Namespace) -> int:
    from controller.gitops import intent

    return intent.run(args.base, args.paths, fmt=args.format)


def _add_codeowners(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "codeowners",
        help="write CODEOWNERS lines from each integration's metadata.approvers",
        description="Write the CODEOWNERS lines that make each integration's "
        "metadata.approvers own its file, inside a generated block; lines outside the block "
        "are kept. With --check, change nothing: exit 1 and show a diff when out of date.",
    )
    p.add_argument(
        "paths", nargs="*", default=["config/"], metavar="PATHS", help="default: config/"
    )
    p.add_argument("--check", action="store_true", help="exit 1 with a diff when out of date")
    p.add_argument(
        "--output",
        default=".github/CODEOWNERS",
        metavar="FILE",
        help="the CODEOWNERS file to write (default: .github/CODEOWNERS)",
    )
    p.set_defaults(run=_run_codeowners)


def _run_codeowners(args: argparse.Namespace) -> int:
    from controller.gitops import codeowners

    return codeowners.run(args.paths, output=args.output, check=args.check)


def _add_status(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="live view per integration: mode, statuses, last commit, drift",
        description="One row per integration: the mode the file wants, the live mode and "
        "feature statuses, the last applied commit, and whether AWS drifted from the file. "
        "Also lists preferences coupa-gitops does not manage.",
    )
    _paths(p)
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text: a table for people; json: stable keys for scripts",
    )
    _scale(p, concurrency=False)
    p.set_defaults(run=lambda a: _commands().status_command(a.paths, fmt=a.format, shard=a.shard))


def _add_verify_endpoint(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify-endpoint",
        help="the endpoint validation handshake: send a code, then confirm it",
        description="Without --code: ask AWS to send a validation code to the integration's "
        "Coupa endpoint. With --code: submit the code the Coupa administrator received, "
        "which moves the features to VALIDATED.",
    )
    p.add_argument("name", metavar="NAME", help="metadata.name of the integration")
    _named_paths(p)
    p.add_argument("--code", help="the validation code received in Coupa")
    p.set_defaults(run=lambda a: _commands().verify_endpoint_command(_paths_of(a), a.name, a.code))


def _add_coupa_setup(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "coupa-setup",
        help="the values for Coupa's punch-out site form (no Coupa API exists for it)",
        description="Print what a Coupa administrator enters in the punch-out site form, for "
        "the production and the test instance, from the integration file. Secrets are shown "
        "only as their reference. Reads neither AWS nor Coupa.",
    )
    p.add_argument("name", metavar="NAME", help="metadata.name of the integration")
    _named_paths(p)
    p.set_defaults(run=lambda a: _commands().coupa_setup_command(_paths_of(a), a.name))


def _add_import(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="adopt an existing (unmanaged) preference for an integration file",
        description="Tag an existing preference that coupa-gitops does not manage yet with "
        "coupa-gitops:name=NAME, after checking it has the same portal, buyer and supplier "
        "as the file. Nothing is ever adopted silently.",
    )
    p.add_argument("name", metavar="NAME", help="metadata.name of the integration to adopt it")
    _named_paths(p)
    p.add_argument("--arn", required=True, help="ARN of the preference to adopt")
    p.set_defaults(run=lambda a: _commands().import_command(_paths_of(a), a.name, a.arn))


def _named_paths(p: argparse.ArgumentParser) -> None:
    """PATHS after NAME, as every command takes them; --config PATH still works (older)."""
    p.add_argument("paths", nargs="*", metavar="PATHS", help="config paths (default: config/)")
    p.add_argument(
        "--config",
        dest="config_paths",
        action="append",
        default=[],
        metavar="PATH",
        help="a config path, the older spelling of PATHS (repeatable)",
    )


def _paths_of(args: argparse.Namespace) -> list[str]:
    return [*args.paths, *args.config_paths] or ["config/"]


IAM_POLICY_HELP = """\
Print, as JSON, an IAM policy of one of coupa-gitops' three roles. Reads no AWS.

  plan      read-only. Trusted from pull requests and main: pr.yml's plan job and
            drift.yml. Reads no secrets (a pull request runs its own code).
  apply     routine writes: create, and write only preferences tagged
            coupa-gitops:mode=test; never UpdateProcurementPortalPreferenceStatus. Trusted
            from main only: apply.yml's apply job and verify-endpoint.yml for test-mode
            integrations.
  go-live   everything the tool does, incl. going live. Trusted only from the go-live
            environment (required reviewers): apply.yml's go-live job.

Without --trust/--trust-account: the permission policy, to attach to the role as a
customer-managed policy. apply and go-live include reads of exactly the {ssm: NAME} and
{secretsManager: ID} references in PATHS, and sts:AssumeRole on every spec.roleArn there
({role} replaced by the role's purpose).

  coupa-gitops iam-policy apply --account 123456789012 > apply-policy.json
  coupa-gitops iam-policy go-live config/ more-config/ --account 123456789012   # PATHS first
  coupa-gitops iam-policy apply --trust OWNER/REPO --account 123456789012 > apply-trust.json

In every other payer account reached through spec.roleArn, make the same three roles
(coupa-gitops-plan, -apply, -go-live) with the same permission policies, each trusting only
the hub account's role of the same purpose:

  coupa-gitops iam-policy apply --trust-account HUB_ACCOUNT > apply-trust.json

docs/github-setup.md walks through all of it.
"""


def _add_iam_policy(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "iam-policy",
        help="print a role's IAM permission policy or trust policy (JSON)",
        description=IAM_POLICY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "role",
        choices=["plan", "apply", "go-live"],
        metavar="plan|apply|go-live",
        help="the role whose policy to print (see above)",
    )
    _paths(p)
    p.add_argument(
        "--account",
        metavar="ACCOUNT_ID",
        help="the account whose preferences the policy names (default: any, *); with "
        "--trust, the account of GitHub's OIDC provider (required)",
    )
    trust = p.add_mutually_exclusive_group()
    trust.add_argument(
        "--trust",
        metavar="OWNER/REPO",
        help="print the role's trust policy for this GitHub repository's OIDC tokens",
    )
    trust.add_argument(
        "--trust-account",
        metavar="HUB_ACCOUNT_ID",
        help="print a target account role's trust policy: the hub account's role of the "
        "same purpose may assume it",
    )
    p.set_defaults(
        run=lambda a: _commands().iam_policy_command(
            a.role, a.paths, account=a.account, trust=a.trust, trust_account=a.trust_account
        )
    )


def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="walk the example config end to end against a local sandbox (no AWS needed)",
        description="Start the sandbox in-process with a throw-away database and walk the "
        "example config: validate, plan, apply, verify-endpoint, a simulated connection "
        "test, the go-live plan, apply --allow-go-live, status.",
    )
    p.set_defaults(run=lambda a: _demo())


def _demo() -> int:
    from controller.commands import demo

    return demo.run()


def _commands():
    from controller import commands

    return commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coupa-gitops",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_validate(sub)
    _add_plan(sub)
    _add_apply(sub)
    _add_status(sub)
    _add_verify_endpoint(sub)
    _add_coupa_setup(sub)
    _add_import(sub)
    _add_demo(sub)
    _add_intent(sub)
    _add_codeowners(sub)
    _add_iam_policy(sub)
    _add_sandbox(sub)
    return parser


def _error(prefix: str, message: str) -> None:
    """Print an error: secrets this run resolved redacted (AWS may echo one), log-safe."""
    from controller import escape
    from controller.secrets import redact

    text = escape.terminal(redact(message), keep_newlines=True)
    print(f"{prefix}{text}" if prefix else text, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except BlockedError as exc:
        _error("blocked: ", str(exc))
        return EXIT_BLOCKED
    except UserError as exc:
        _error("error: ", str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `coupa-gitops plan | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception:
        _error("", traceback.format_exc().rstrip("\n"))
        print(
            "\ncoupa-gitops hit a bug (the traceback above). Please report it with the command "
            "you ran; nothing in this message is a secret value.",
            file=sys.stderr,
        )
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())

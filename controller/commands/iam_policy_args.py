"""`coupa-gitops iam-policy`'s arguments (the command: commands/iam_policy.py)."""

from __future__ import annotations

import argparse

from controller.commands.args import SubParsers, add_paths

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


def add_parser(sub: SubParsers) -> None:
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
    add_paths(p)
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
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from controller import commands  # through the package: tests patch it there

    return commands.iam_policy_command(
        args.role,
        args.paths,
        account=args.account,
        trust=args.trust,
        trust_account=args.trust_account,
    )

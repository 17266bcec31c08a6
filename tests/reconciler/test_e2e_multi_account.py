"""Many payer accounts through roles: the calls a plan makes, the clients and models it loads."""

from __future__ import annotations

from collections import Counter

import botocore.session
import pytest

from controller import config
from controller.config.model import Role
from controller.engine.shard import Shard
from controller.providers.aws.live import Clients
from controller.providers.aws.reader import Reader, targets_of

ACCOUNTS = ("210000000001", "210000000002", "210000000003")
PER_ACCOUNT = 2
SERVICES = ("sts", "organizations", "invoicing")


@pytest.fixture
def estate(world, monkeypatch):
    """Two integrations in each of three accounts, each reached through its role; STS and
    Organizations answered (and counted) by the sandbox."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", world.sandbox.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", world.sandbox.url)
    for account in ACCOUNTS:
        for i in range(PER_ACCOUNT):
            world.write(
                f"acme-{account[-1]}-{i}",
                account=account,
                role_arn=f"arn:aws:iam::{account}:role/coupa-gitops-{{role}}",
                buyer=f"ACME-{account[-1]}-{i}",
            )
    created = world.apply("--auto-approve")
    assert created.code == 0, created.err
    world.control.reset_call_counts()
    return world


def test_a_plan_makes_three_preflight_calls_per_account_and_two_reads_per_preference(estate):
    result = estate.plan("--concurrency", "4")
    assert result.code == 0, result.err
    assert "No changes" in result.out
    n, items = len(ACCOUNTS), len(ACCOUNTS) * PER_ACCOUNT
    assert estate.control.call_counts() == {
        "AssumeRole": n,
        "GetCallerIdentity": n,
        "DescribeOrganization": n,
        "ListProcurementPortalPreferences": n,
        "GetProcurementPortalPreference": items,
        "ListTagsForResource": items,
        # AWS's supplier identities, once per account (the readiness check of a go-live)
        "ListProcurementPortals": n,
        "ListProcurementPortalSuppliers": n,
    }


def test_clients_are_made_once_per_account_role_region_service_and_models_load_once(estate):
    core = botocore.session.get_session()
    loader = core.get_component("data_loader")
    loads: Counter[str] = Counter()
    read_file = loader.file_loader.load_file

    def counting(path):
        found = read_file(path)
        loads[path] += found is not None  # a miss (an optional extras file) loads nothing
        return found

    loader.file_loader.load_file = counting  # the loader's own cache sits above this
    clients = Clients(concurrency=4, botocore_session=core)
    items = config.load([str(estate.config)]).require_valid()
    targets = targets_of(items, Role.PLAN)
    for _ in range(2):  # a second read of every account makes nothing new
        observed = Reader(clients).observe(targets, names=targets)
        assert len(observed.preferences) == len(items)
    wanted = {(t, s): 1 for t in targets for s in SERVICES} | {("hub", "sts"): 1}
    assert dict(clients.created) == wanted
    models = Counter(p.split("/")[-3] for p in loads if p.endswith("/service-2"))
    assert models == dict.fromkeys(SERVICES, 1)
    assert max(loads.values()) == 1  # endpoint rules and partitions too


def test_shards_split_the_accounts_and_together_cover_each_once(estate):
    read: Counter[str] = Counter()
    for k in (1, 2, 3):
        estate.control.reset_call_counts()
        result = estate.plan("--shard", f"{k}/3")
        assert result.code == 0, result.err
        read[k] = estate.control.call_counts().get("AssumeRole", 0)
    assert sum(read.values()) == len(ACCOUNTS)
    shards = {a: next(k for k in (1, 2, 3) if Shard(k, 3).holds(a)) for a in ACCOUNTS}
    assert read == Counter(shards.values())


def test_a_bad_shard_is_a_usage_error(estate, capsys):
    with pytest.raises(SystemExit) as info:
        estate.plan("--shard", "4/3")
    assert info.value.code == 2
    assert "K must be between 1 and N" in capsys.readouterr().err

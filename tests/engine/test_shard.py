"""--shard K/N: every account in exactly one shard, the same one on every runner."""

from __future__ import annotations

from collections import Counter

import pytest

from controller.engine.shard import Shard

ACCOUNTS = [f"{210000000000 + i}" for i in range(1000)]


def test_each_account_is_in_exactly_one_shard_and_the_shards_are_even():
    sizes = Counter()
    for account in ACCOUNTS:
        (k,) = [k for k in range(1, 5) if Shard(k, 4).holds(account)]
        sizes[k] += 1
    assert sorted(sizes) == [1, 2, 3, 4]
    assert min(sizes.values()) > 200  # 250 each, give or take


def test_the_split_does_not_change_between_processes_or_versions():
    # A salted hash() would move accounts between runs; sha256 of the id never does.
    assert [Shard(k, 4).holds("111122223333") for k in range(1, 5)] == [True, False, False, False]


def test_shard_text_is_k_of_n():
    assert Shard.parse("2/5") == Shard(2, 5)
    assert str(Shard(2, 5)) == "2/5"
    for bad in ("0/3", "4/3", "1", "a/b", "1/0"):
        with pytest.raises(ValueError):
            Shard.parse(bad)


def test_a_shard_keeps_the_change_windows_of_the_whole_run():
    # A sharded go-live job must be held back by a deny window exactly like a whole run.
    from datetime import timedelta

    from controller.commands.scope import Scope, sharded
    from controller.config.calendar import Deny, Window
    from controller.engine.shard import Shard

    window = Window("month-end close", Deny.GO_LIVE, "0 0 L * *", timedelta(hours=96), "UTC")
    scope = Scope(items=(), prune=None, windows=(window,))
    assert sharded(scope, Shard(1, 2)).windows == (window,)

"""--shard K/N: split the accounts of a large estate over several runners, the same on each."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SHARD = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class Shard:
    """The K-th of N parts of the accounts (K counts from 1), by a stable hash of the account id."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`K/N` as a Shard; ValueError when it is not one."""
        match = SHARD.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"expected K/N (e.g. 1/4), got {text!r}")
        index, count = int(match[1]), int(match[2])
        if not 1 <= index <= count:
            raise ValueError(f"K must be between 1 and N in K/N, got {text!r}")
        return cls(index, count)

    def holds(self, account: str) -> bool:
        """Whether `account` belongs to this shard."""
        # sha256, not hash(): str hashes are salted per process, and every runner must agree.
        digest = hashlib.sha256(account.encode("ascii")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

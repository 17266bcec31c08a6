"""SQLite persistence: one file in WAL mode, every mutation inside `BEGIN IMMEDIATE`.

A preference is a JSON document plus the columns we look it up by (arn, account, version); tags,
idempotency tokens and validation codes have their own tables. Connections come from a small pool
(ThreadingHTTPServer starts a thread per connection, so per-thread connections would leak).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS preferences (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    arn TEXT NOT NULL UNIQUE,
    account TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS preferences_by_account ON preferences (account, seq);
CREATE TABLE IF NOT EXISTS tags (
    arn TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
);
CREATE TABLE IF NOT EXISTS tokens (
    account TEXT NOT NULL,
    operation TEXT NOT NULL,
    token TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (account, operation, token)
);
CREATE TABLE IF NOT EXISTS validation_codes (
    arn TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    issued REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
"""


class Tx:
    """The queries of one transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # preferences
    def get(self, arn: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT doc FROM preferences WHERE arn = ?", (arn,)).fetchone()
        return json.loads(row[0]) if row else None

    def insert(self, arn: str, account: str, doc: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO preferences (arn, account, version, doc) VALUES (?, ?, ?, ?)",
            (arn, account, doc["Version"], json.dumps(doc)),
        )

    def update(self, arn: str, doc: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE preferences SET version = ?, doc = ? WHERE arn = ?",
            (doc["Version"], json.dumps(doc), arn),
        )

    def delete(self, arn: str) -> None:
        for table in ("preferences", "tags", "validation_codes"):
            self.conn.execute(f"DELETE FROM {table} WHERE arn = ?", (arn,))

    def page(self, account: str, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        rows = self.conn.execute(
            "SELECT seq, doc FROM preferences WHERE account = ? AND seq > ? ORDER BY seq LIMIT ?",
            (account, after, limit),
        ).fetchall()
        return [(seq, json.loads(doc)) for seq, doc in rows]

    # tags
    def tags(self, arn: str) -> dict[str, str]:
        rows = self.conn.execute("SELECT key, value FROM tags WHERE arn = ? ORDER BY key", (arn,))
        return dict(rows.fetchall())

    def put_tags(self, arn: str, tags: dict[str, str]) -> None:
        self.conn.executemany(
            "INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
            [(arn, key, value) for key, value in tags.items()],
        )

    def delete_tags(self, arn: str, keys: list[str]) -> None:
        self.conn.executemany(
            "DELETE FROM tags WHERE arn = ? AND key = ?", [(arn, key) for key in keys]
        )

    # idempotency tokens
    def token(self, account: str, operation: str, token: str) -> tuple[str, dict[str, Any]] | None:
        row = self.conn.execute(
            "SELECT request_hash, response FROM tokens "
            "WHERE account = ? AND operation = ? AND token = ?",
            (account, operation, token),
        ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def remember_token(
        self, account: str, operation: str, token: str, request_hash: str, response: Any, now: float
    ) -> None:
        self.conn.execute(
            "INSERT INTO tokens (account, operation, token, request_hash, response, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (account, operation, token, request_hash, json.dumps(response), now),
        )

    # validation codes
    def issue_code(self, arn: str, code: str, now: float) -> None:
        self.conn.execute(
            "INSERT INTO validation_codes (arn, code, issued, used) VALUES (?, ?, ?, 0) "
            "ON CONFLICT (arn) DO UPDATE SET code = excluded.code, issued = excluded.issued, "
            "used = 0",
            (arn, code, now),
        )

    def code(self, arn: str) -> tuple[str, bool] | None:
        row = self.conn.execute(
            "SELECT code, used FROM validation_codes WHERE arn = ?", (arn,)
        ).fetchone()
        return (row[0], bool(row[1])) if row else None

    def use_code(self, arn: str) -> None:
        self.conn.execute("UPDATE validation_codes SET used = 1 WHERE arn = ?", (arn,))

    def reset(self) -> None:
        for table in ("preferences", "tags", "tokens", "validation_codes"):
            self.conn.execute(f"DELETE FROM {table}")


class Store:
    def __init__(self, path: str | Path, busy_timeout_s: float = 30.0) -> None:
        self.path = str(path)
        self._timeout = busy_timeout_s
        self._pool: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed = False
        with self._connection() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._closed:
                raise RuntimeError("store is closed")
            conn = self._pool.pop() if self._pool else None
        if conn is None:
            conn = self._connect()
        try:
            yield conn
        finally:
            with self._lock:
                if self._closed:
                    conn.close()
                else:
                    self._pool.append(conn)

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[Tx]:
        with self._connection() as conn:
            conn.execute(begin)
            try:
                yield Tx(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # also when COMMIT itself failed
                    conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def write(self) -> Iterator[Tx]:
        """A transaction that holds the write lock from its first statement (no lost updates).

        Writers of this process queue on a thread lock first: SQLite's own busy handler polls
        with sleeps of up to 100 ms, which would make 8 concurrent writers needlessly slow.
        `BEGIN IMMEDIATE` still guards against other processes sharing the file.
        """
        with self._write_lock, self._transaction("BEGIN IMMEDIATE") as tx:
            yield tx

    def read(self) -> contextlib.AbstractContextManager[Tx]:
        """A consistent snapshot for reading."""
        return self._transaction("BEGIN")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, []
        for conn in pool:
            conn.close()

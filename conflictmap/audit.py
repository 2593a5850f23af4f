"""The audit trail: who did what to the data, and when.

Every write made through the package is recorded in the table ``audit_log``: imports (the
file's name and SHA-256, rows read, inserted, duplicate and rejected), added incidents, actor
mappings, saved layouts, territory edits and imports, annotations, dataset deletions,
restores and purges, and changes to users. A row holds who (the user, their role, and how they
acted: ``web``, ``local`` single-user mode or ``cli``), when (UTC), the action, the dataset,
a row count, the file and its hash, and the rest as JSON (``detail``).

Writes whose transaction is in reach (deleting, restoring and purging a dataset, mapping a
name, users, annotations) record in it: the entry exists exactly when the change does. An
incident import's transaction is the importer's (:mod:`conflictmap.ingest`), which writes the
entry in it before committing (``audit_entry``, :func:`conflictmap.data_admin.import_audit`);
a territory import's or edit's entry is written right after it commits
(:mod:`conflictmap.territory_store`). Sign-ins and refused sign-ins are recorded too (and count
towards :data:`conflictmap.users.MAX_REFUSED`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from conflictmap import dialect, permissions, store
from conflictmap.i18n import N_, _
from conflictmap.permissions import Actor

Db = str | os.PathLike[str] | None
TRAIL_LIMIT = 5000  # entries the Admin page shows at most (newest first)

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS audit_seq;
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    logged_at TIMESTAMP NOT NULL,  -- UTC
    who VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    via VARCHAR NOT NULL,  -- web, local (single-user mode) or cli
    action VARCHAR NOT NULL,
    dataset VARCHAR,
    rows BIGINT,
    file VARCHAR,
    file_sha256 VARCHAR,
    detail VARCHAR  -- JSON
);
"""
COLUMNS = [
    "audit_id", "logged_at", "who", "role", "via", "action", "dataset", "rows", "file", "file_sha256",
    "detail",
]  # fmt: skip

# what each recorded action is, for the Admin page's filter
ACTIONS = {
    "import": N_("Import"),
    "add_incident": N_("Incident added"),
    "map_actor": N_("Actor name mapped"),
    "unmap_actor": N_("Actor mapping forgotten"),
    "match_confirmed": N_("Reports confirmed as one event"),
    "match_split": N_("Reports split into separate events"),
    "save_layout": N_("Layout saved"),
    "territory_save": N_("Territory claims edited"),
    "territory_import": N_("Territory claims imported"),
    "annotation_add": N_("Annotation added"),
    "annotation_delete": N_("Annotation deleted"),
    "watchlist_save": N_("Watchlist saved"),
    "watchlist_delete": N_("Watchlist deleted"),
    "delete_dataset": N_("Dataset deleted"),
    "restore_dataset": N_("Dataset restored"),
    "purge_dataset": N_("Dataset purged"),
    "user_add": N_("User added"),
    "user_role": N_("User role changed"),
    "user_remove": N_("User removed"),
    "dataset_terms": N_("Dataset terms changed"),
    "export_own_use": N_("Restricted rows exported for own use"),
    "sign_in": N_("Signed in"),
    "sign_in_refused": N_("Sign-in refused"),
}


def now() -> datetime:
    """The current time in UTC, as the trail stores it (without a zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


# ---- file hashes -------------------------------------------------------------------------------


def stream_sha256(stream: BinaryIO) -> str:
    """SHA-256 of a file-like (an upload), read block by block; its position is put back to
    the start for the reader that follows."""
    digest = hashlib.sha256()
    if hasattr(stream, "seek"):
        stream.seek(0)
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
    if hasattr(stream, "seek"):
        stream.seek(0)
    return digest.hexdigest()


def path_sha256(path: str | os.PathLike[str]) -> str:
    with open(Path(path), "rb") as f:
        return stream_sha256(f)


# ---- recording ---------------------------------------------------------------------------------


def record(
    con: dialect.Connection,
    actor: Actor,
    action: str,
    *,
    dataset: str | None = None,
    rows: int | None = None,
    file: str | None = None,
    sha256: str | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """Add an entry (inside the caller's transaction, on a writing connection)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    con.execute(SCHEMA)
    con.execute(
        "INSERT INTO audit_log (logged_at, who, role, via, action, dataset, rows, file, file_sha256, "
        "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            now(),
            actor.name,
            actor.role.value,
            actor.via,
            action,
            dataset,
            None if rows is None else int(rows),
            file,
            sha256,
            json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        ],
    ).fetchall()


def record_sign_in(con: dialect.Connection, name: str, role: str | None, *, ok: bool) -> None:
    """A sign-in (``ok``) or a refused attempt, by the name typed (at most 64 characters; role
    ``-`` when refused: a wrong name and a wrong password look the same in the trail too)."""
    con.execute(SCHEMA)
    con.execute(
        "INSERT INTO audit_log (logged_at, who, role, via, action) VALUES (?, ?, ?, 'web', ?)",
        [now(), name[:64], role if ok and role else "-", "sign_in" if ok else "sign_in_refused"],
    ).fetchall()


def refused_sign_ins(con: dialect.Connection, name: str, since: datetime) -> list[datetime]:
    """When sign-ins as ``name`` were refused since ``since`` (UTC), oldest first."""
    rows = con.execute(
        "SELECT logged_at FROM audit_log WHERE action = 'sign_in_refused' AND who = ? "
        "AND logged_at >= ? ORDER BY logged_at",
        [name[:64], since],
    ).fetchall()
    return [r[0] for r in rows]


def record_now(
    actor: Actor,
    action: str,
    db: Db = None,
    *,
    dataset: str | None = None,
    rows: int | None = None,
    file: str | None = None,
    sha256: str | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """:func:`record` in a transaction of its own (after an import, which commits its own)."""
    with store.connect(db) as con, store.transaction(con):
        record(
            con, actor, action, dataset=dataset, rows=rows, file=file, sha256=sha256, detail=detail
        )


# ---- reading -----------------------------------------------------------------------------------


def trail(
    db: Db = None,
    *,
    actor: Actor | None = None,
    actions: Iterable[str] = (),
    who: str | None = None,
    dataset: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = TRAIL_LIMIT,
) -> pd.DataFrame:
    """The entries matching every filter given (actions, who, a dataset name containing
    ``dataset`` (any case), a day range), newest first, at most ``limit``. Admins only."""
    permissions.require(actor, "view_audit", db)
    wanted = list(actions)
    parts: list[str] = ["TRUE"]
    params: list[object] = []
    if wanted:
        parts.append(f"action IN ({', '.join('?' for _ in wanted)})")
        params += wanted
    if who:
        parts.append("who = ?")
        params.append(who)
    if dataset and dataset.strip():
        parts.append("strpos(lower(dataset), lower(?)) > 0")
        params.append(dataset.strip())
    if since:
        parts.append("logged_at >= ?")
        params.append(datetime.combine(since, datetime.min.time()))
    if until:
        parts.append("logged_at < ?")
        params.append(datetime.combine(until + timedelta(days=1), datetime.min.time()))
    with store.connect(db, read_only=True) as con:
        try:
            return con.execute(
                f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE {' AND '.join(parts)} "
                f"ORDER BY audit_id DESC LIMIT {int(limit)}",
                params,
            ).df()
        except dialect.MissingTable:  # nothing recorded yet
            return pd.DataFrame(columns=COLUMNS)


def people(db: Db = None) -> list[str]:
    """Everyone who appears in the trail, by name (for the filter)."""
    with store.connect(db, read_only=True) as con:
        try:
            rows = con.execute("SELECT DISTINCT who FROM audit_log ORDER BY who").fetchall()
        except dialect.MissingTable:
            return []
    return [r[0] for r in rows]


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    return _(label) if label else action


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The trail as the Admin page shows it: actions by name, without the entry number."""
    out = frame.drop(columns=["audit_id"], errors="ignore").copy()
    out["action"] = [action_label(a) for a in out["action"]]
    return out

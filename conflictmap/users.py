"""The people who may sign in: the ``users`` table, password hashing and signing in.

Passwords are hashed with Argon2id (argon2-cffi's :class:`argon2.PasswordHasher`, its default
parameters; the hash string carries them, so a later change of defaults still verifies old
hashes and re-hashes them at the next sign-in). Only the hash is stored.

With no users, ConflictMap is a local single-user tool (:mod:`conflictmap.permissions`); the
first user added must be an admin, and the last admin can be neither removed nor demoted, so
someone can always manage the others. Names are case-insensitive (stored in lower case).
Every change is recorded in the audit trail (:mod:`conflictmap.audit`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from conflictmap import audit, dialect, permissions, store
from conflictmap.i18n import _, ngettext, number
from conflictmap.permissions import Actor, Role

Db = str | os.PathLike[str] | None
MIN_PASSWORD = 8
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name VARCHAR PRIMARY KEY,
    role VARCHAR NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    password_hash VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    changed_at TIMESTAMP
);
"""
COLUMNS = ["name", "role", "created_at", "changed_at"]


class UserError(ValueError):
    """A user that cannot be added, changed or removed; the message says why."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    created_at: datetime | None = None


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@lru_cache(maxsize=1)
def _decoy() -> str:
    """A hash to verify against when the name is unknown: a wrong name takes as long as a
    wrong password (no telling which names exist by timing)."""
    return _hasher().hash("no user has this password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def normalise_name(name: str) -> str:
    return str(name or "").strip().lower()


def check_name(name: str) -> str:
    """The name as stored; UserError when it cannot be a user name."""
    key = normalise_name(name)
    if not NAME_PATTERN.match(key):
        raise UserError(
            _(
                "{name} cannot be a user name: 1–64 letters, digits, '.', '_', '-' or '@', "
                "starting with a letter or digit"
            ).format(name=repr(name))
        )
    return key


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(
            _("the password must have at least {n} characters").format(n=MIN_PASSWORD)
        )
    return password


# ---- reading -----------------------------------------------------------------------------------


def _rows(db: Db, sql: str, params: list[object] | None = None) -> list[tuple]:
    """Rows of a query on the users table (none for a database without it)."""
    with store.connect(db, read_only=True) as con:
        try:
            return con.execute(sql, params or []).fetchall()
        except dialect.MissingTable:
            return []


def configured(db: Db = None) -> bool:
    """Whether any user is configured (else: single-user mode)."""
    rows = _rows(db, "SELECT count(*) FROM users")
    return bool(rows and rows[0][0])


def get(name: str, db: Db = None) -> User | None:
    rows = _rows(
        db, "SELECT name, role, created_at FROM users WHERE name = ?", [normalise_name(name)]
    )
    if not rows:
        return None
    name_, role, created = rows[0]
    return User(name_, Role(role), created)


def listing(db: Db = None) -> pd.DataFrame:
    """name, role, created_at, changed_at of every user, by name (never the hashes)."""
    with store.connect(db, read_only=True) as con:
        try:
            return con.execute(f"SELECT {', '.join(COLUMNS)} FROM users ORDER BY name").df()
        except dialect.MissingTable:
            return pd.DataFrame(columns=COLUMNS)


def current(actor: Actor | None, db: Db = None) -> Actor | None:
    """A signed-in actor as the users table has them now (their role may have changed); None
    when they were removed or none is given."""
    if actor is None or actor.via != "web":
        return None
    user = get(actor.name, db)
    return Actor(user.name, user.role, "web") if user else None


# ---- signing in --------------------------------------------------------------------------------


# OWASP's advice against guessing passwords: throttle per account. After this many refused
# sign-ins as one name within the window, further attempts are refused without checking the
# password until the oldest of them leaves the window. Counted from the audit trail, so every
# dashboard process of a team deployment sees the same count.
MAX_REFUSED = 5
REFUSAL_WINDOW = timedelta(minutes=15)


class SignInLocked(Exception):
    """Too many refused sign-ins as this name lately; ``until`` (UTC) says when to try again."""

    def __init__(self, name: str, until: datetime) -> None:
        super().__init__(name, until)
        self.name = name
        self.until = until

    def minutes_left(self, at: datetime) -> int:
        """Whole minutes until ``until`` (UTC), rounded up, at least 1."""
        return max(1, -(-int((self.until - at).total_seconds()) // 60))

    def message(self, at: datetime | None = None) -> str:
        n = self.minutes_left(at or audit.now())
        return ngettext(
            "Too many refused sign-ins as this name. Try again in {n} minute.",
            "Too many refused sign-ins as this name. Try again in {n} minutes.",
            n,
        ).format(n=number(n))


def sign_in(name: str, password: str, db: Db = None, *, at: datetime | None = None) -> Actor | None:
    """The signed-in actor when ``password`` is ``name``'s; None otherwise (a wrong name and a
    wrong password look the same). Every sign-in and refusal is recorded in the audit trail;
    after :data:`MAX_REFUSED` refusals as one name within :data:`REFUSAL_WINDOW`, raises
    :class:`SignInLocked` without checking the password. In read-only mode nothing can be
    written: sign-ins are neither recorded nor throttled there."""
    key = normalise_name(name)
    at = at or audit.now()
    record = not permissions.read_only()
    if record:
        with store.connect(db, read_only=True) as con:
            try:
                refused = audit.refused_sign_ins(con, key, at - REFUSAL_WINDOW)
            except dialect.MissingTable:
                refused = []
        if len(refused) >= MAX_REFUSED:
            raise SignInLocked(key, refused[-MAX_REFUSED] + REFUSAL_WINDOW)
    actor = _verify(key, password, db)
    if record:
        with store.connect(db) as con, store.transaction(con):
            audit.record_sign_in(con, key, actor.role.value if actor else None, ok=actor is not None)
    return actor


def _verify(key: str, password: str, db: Db) -> Actor | None:
    rows = _rows(db, "SELECT role, password_hash FROM users WHERE name = ?", [key])
    hasher = _hasher()
    if not rows:
        try:
            hasher.verify(_decoy(), password or "")
        except VerificationError:
            pass
        return None
    role, stored = rows[0]
    try:
        hasher.verify(stored, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(stored) and not permissions.read_only():
        with store.connect(db) as con:
            con.execute(
                "UPDATE users SET password_hash = ? WHERE name = ?", [hasher.hash(password), key]
            )
    return Actor(key, Role(role), "web")


# ---- changing ----------------------------------------------------------------------------------


def _admins(con: dialect.Connection) -> int:
    return int(con.execute("SELECT count(*) FROM users WHERE role = 'admin'").fetchall()[0][0])


def _role_of(con: dialect.Connection, name: str) -> Role | None:
    rows = con.execute("SELECT role FROM users WHERE name = ?", [name]).fetchall()
    return Role(rows[0][0]) if rows else None


def add(
    name: str, role: Role | str, password: str, *, actor: Actor | None = None, db: Db = None
) -> User:
    """Add a user. The first must be an admin; UserError for a taken name, a bad name or a
    short password; PermissionError unless ``actor`` may manage users."""
    who = permissions.require(actor, "manage_users", db)
    key, wanted = check_name(name), permissions.role(role)
    check_password(password)
    digest = hash_password(password)
    now = audit.now()
    with store.connect(db) as con, store.transaction(con):
        con.execute(SCHEMA)
        if _role_of(con, key) is not None:
            raise UserError(
                _("the user {name} exists already (change its role instead)").format(
                    name=repr(key)
                )
            )
        if wanted is not Role.ADMIN and _admins(con) == 0:
            raise UserError(
                _(
                    "the first user must be an admin (--role admin), so someone can manage "
                    "the others"
                )
            )
        con.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
            [key, wanted.value, digest, now],
        )
        audit.record(con, who, "user_add", detail={"user": key, "role": wanted.value})
    return User(key, wanted, now)


def set_role(name: str, role: Role | str, *, actor: Actor | None = None, db: Db = None) -> User:
    """Give a user another role (the last admin stays an admin)."""
    who = permissions.require(actor, "manage_users", db)
    key, wanted = normalise_name(name), permissions.role(role)
    with store.connect(db) as con, store.transaction(con):
        con.execute(SCHEMA)
        before = _role_of(con, key)
        if before is None:
            raise UserError(_("no user {name}").format(name=repr(key)))
        if before is Role.ADMIN and wanted is not Role.ADMIN and _admins(con) == 1:
            raise UserError(
                _("{name} is the last admin: make another user an admin first").format(
                    name=repr(key)
                )
            )
        con.execute(
            "UPDATE users SET role = ?, changed_at = ? WHERE name = ?",
            [wanted.value, audit.now(), key],
        )
        audit.record(
            con,
            who,
            "user_role",
            detail={"user": key, "from": before.value, "to": wanted.value},
        )
    return User(key, wanted)


def remove(name: str, *, actor: Actor | None = None, db: Db = None) -> None:
    """Remove a user (not the last admin); their entries in the audit trail stay."""
    who = permissions.require(actor, "manage_users", db)
    key = normalise_name(name)
    with store.connect(db) as con, store.transaction(con):
        con.execute(SCHEMA)
        before = _role_of(con, key)
        if before is None:
            raise UserError(_("no user {name}").format(name=repr(key)))
        if (
            before is Role.ADMIN
            and _admins(con) == 1
            and con.execute("SELECT count(*) FROM users").fetchall()[0][0] > 1
        ):
            raise UserError(
                _("{name} is the last admin: make another user an admin first").format(
                    name=repr(key)
                )
            )
        con.execute("DELETE FROM users WHERE name = ?", [key])
        audit.record(con, who, "user_remove", detail={"user": key, "role": before.value})

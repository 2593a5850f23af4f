"""conflictmap/permissions.py on its own: roles, what each allows, and require()'s answers.

Fast (no import, no password hashing: the users are rows written here in SQL), so the mutation
shard of the module runs these (tools/mutate.py); tests/test_users_and_audit.py checks the same
rules through every writing function.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conflictmap import i18n, permissions, store
from conflictmap.permissions import (
    ACTIONS,
    ALLOWED,
    LOCAL,
    READS,
    ROLES,
    WRITES,
    Actor,
    Role,
    allows,
    cli_actor,
    require,
    role,
)

VIEWER_ACTIONS = {"view", "export"}
EDITOR_ACTIONS = VIEWER_ACTIONS | {
    "import", "add_incident", "map_actor", "decide_match", "save_layout", "edit_territories",
    "annotate", "edit_terms", "save_watchlist",
}
ADMIN_ONLY = {
    "delete_dataset", "restore_dataset", "purge_dataset", "manage_users", "manage_database",
    "view_audit",
}


@pytest.fixture(autouse=True)
def _writable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CONFLICTMAP_READ_ONLY", raising=False)
    # the default database (db=None) is an empty file of this test: no users there
    monkeypatch.setenv("CONFLICTMAP_DB", str(tmp_path / "default.duckdb"))


def with_users(path: Path, *rows: tuple[str, str]) -> Path:
    """A database whose users table holds ``rows`` (name, role), written in SQL."""
    with store.connect(path) as con:
        con.execute(
            """CREATE TABLE IF NOT EXISTS users (name VARCHAR PRIMARY KEY, role VARCHAR NOT NULL,
               password_hash VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
               changed_at TIMESTAMP)"""
        )
        for name, role_name in rows:
            con.execute(
                "INSERT INTO users VALUES (?, ?, 'not a hash', TIMESTAMP '2024-01-01', NULL)",
                [name, role_name],
            )
    return path


@pytest.fixture()
def team_db(tmp_path: Path) -> Path:
    return with_users(tmp_path / "team.duckdb", ("ada", "admin"), ("ed", "editor"), ("vi", "viewer"))


# ---- the tables ----------------------------------------------------------------------------------


def test_roles_and_what_each_allows() -> None:
    assert ROLES == ("viewer", "editor", "admin")
    assert [r.value for r in Role] == ["viewer", "editor", "admin"]
    assert READS == {"view", "export", "view_audit"}
    assert set(ACTIONS) == EDITOR_ACTIONS | ADMIN_ONLY
    assert WRITES == set(ACTIONS) - {"view", "export", "view_audit"}
    assert ALLOWED[Role.VIEWER] == VIEWER_ACTIONS
    assert ALLOWED[Role.EDITOR] == EDITOR_ACTIONS
    assert ALLOWED[Role.ADMIN] == EDITOR_ACTIONS | ADMIN_ONLY


def test_actor_label_and_the_single_user() -> None:
    assert Actor("ana", Role.EDITOR).label == "ana (editor)"
    assert Actor("ana", Role.EDITOR).via == "web"
    assert (LOCAL.name, LOCAL.role, LOCAL.via) == ("local", Role.ADMIN, "local")


def test_cli_actor_is_an_admin_named_after_the_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(permissions.getpass, "getuser", lambda: "maria")
    assert cli_actor() == Actor("maria", Role.ADMIN, "cli")
    monkeypatch.setattr(permissions.getpass, "getuser", lambda: "")
    assert cli_actor() == Actor("unknown", Role.ADMIN, "cli")
    for error in (KeyError("uid"), OSError("no user")):

        def fail(error: Exception = error) -> str:
            raise error

        monkeypatch.setattr(permissions.getpass, "getuser", fail)
        assert cli_actor() == Actor("unknown", Role.ADMIN, "cli")


def test_role_from_its_name() -> None:
    assert role(" Editor ") is Role.EDITOR
    assert role("ADMIN") is Role.ADMIN
    assert role("viewer") is Role.VIEWER
    with pytest.raises(ValueError) as err:
        role("boss")
    assert str(err.value) == "unknown role 'boss': one of viewer, editor, admin"


def test_read_only_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert permissions.read_only() is False
    monkeypatch.setenv("CONFLICTMAP_READ_ONLY", "1")
    assert permissions.read_only() is True


# ---- allows ---------------------------------------------------------------------------------------


def test_allows_by_role() -> None:
    for action in ACTIONS:
        assert allows(None, action)  # the single-user mode's local person is an admin
        assert allows(Actor("ada", Role.ADMIN), action)
        assert allows(Actor("ed", Role.EDITOR), action) == (action in EDITOR_ACTIONS)
        assert allows(Actor("vi", Role.VIEWER), action) == (action in VIEWER_ACTIONS)
    with pytest.raises(ValueError) as err:
        allows(None, "fly")
    assert str(err.value) == "unknown action 'fly'"


def test_allows_in_read_only_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFLICTMAP_READ_ONLY", "1")
    for action in ACTIONS:
        # no one writes; the local person (a visitor of a public deployment) is a viewer
        assert allows(None, action) == (action in VIEWER_ACTIONS)
        assert allows(LOCAL, action) == (action in VIEWER_ACTIONS)
        assert allows(Actor("ada", Role.ADMIN), action) == (action in READS)
        assert allows(Actor("ada", Role.ADMIN, "cli"), action) == (action in READS)
        assert allows(Actor("vi", Role.VIEWER), action) == (action in VIEWER_ACTIONS)


# ---- require --------------------------------------------------------------------------------------


def test_require_without_users_acts_as_the_local_admin(tmp_path: Path) -> None:
    db = tmp_path / "alone.duckdb"
    for action in ACTIONS:
        assert require(None, action, db) == LOCAL
        assert require(LOCAL, action, db) == LOCAL
        assert require(None, action) == LOCAL  # the default database has no users either
    with pytest.raises(ValueError) as err:
        require(None, "fly", db)
    assert str(err.value) == "unknown action 'fly'"


def test_require_with_users_wants_a_signed_in_user(team_db: Path) -> None:
    for who in (None, LOCAL):
        with pytest.raises(PermissionError) as err:
            require(who, "import", team_db)
        assert str(err.value) == "users are configured: sign in to import files"


def test_require_takes_the_role_the_table_gives_now(team_db: Path) -> None:
    # signed in as an admin, demoted to viewer since: a viewer now
    stale = Actor("vi", Role.ADMIN)
    assert require(stale, "view", team_db) == Actor("vi", Role.VIEWER)
    with pytest.raises(PermissionError) as err:
        require(stale, "import", team_db)
    assert str(err.value) == "vi is a viewer and may not import files (the editor role is needed)"
    assert require(Actor("ed", Role.VIEWER), "import", team_db) == Actor("ed", Role.EDITOR)
    with pytest.raises(PermissionError) as err:
        require(Actor("ed", Role.EDITOR), "manage_users", team_db)
    assert str(err.value) == "ed is a editor and may not manage users (the admin role is needed)"
    for action in ACTIONS:
        assert require(Actor("ada", Role.VIEWER), action, team_db) == Actor("ada", Role.ADMIN)


def test_require_refuses_a_removed_user(team_db: Path) -> None:
    with pytest.raises(PermissionError) as err:
        require(Actor("bob", Role.ADMIN), "view", team_db)
    assert str(err.value) == "the user 'bob' no longer exists: sign in again"


def test_the_command_line_is_not_looked_up(team_db: Path) -> None:
    operator = Actor("root", Role.ADMIN, "cli")  # no user of that name
    for action in ACTIONS:
        assert require(operator, action, team_db) is operator
    with pytest.raises(PermissionError) as err:
        require(Actor("root", Role.VIEWER, "cli"), "delete_dataset", team_db)
    assert str(err.value) == (
        "root is a viewer and may not delete datasets (the admin role is needed)"
    )


def test_require_in_read_only_mode(
    team_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICTMAP_READ_ONLY", "1")
    alone = tmp_path / "alone.duckdb"
    for who, db in ((None, alone), (Actor("ada", Role.ADMIN), team_db),
                    (Actor("root", Role.ADMIN, "cli"), team_db)):
        for action in WRITES:
            with pytest.raises(PermissionError) as err:
                require(who, action, db)
            assert str(err.value) == (
                f"this ConflictMap is read-only (CONFLICTMAP_READ_ONLY): no one can "
                f"{ACTIONS[action]}"
            )
    # reading: the local person views and exports, but reads no audit trail
    assert require(None, "view", alone) == LOCAL
    assert require(None, "export", alone) == LOCAL
    with pytest.raises(PermissionError) as err:
        require(None, "view_audit", alone)
    assert str(err.value) == "this ConflictMap is read-only: no one can read the audit trail here"
    assert require(Actor("ada", Role.VIEWER), "view_audit", team_db) == Actor("ada", Role.ADMIN)


def test_require_speaks_the_language_in_force(team_db: Path) -> None:
    with i18n.using("es"), pytest.raises(PermissionError) as err:
        require(Actor("vi", Role.VIEWER), "add_incident", team_db)
    assert str(err.value) == (
        "vi tiene el rol lector y no puede agregar incidentes (se necesita el rol editor)"
    )
    with i18n.using("es"), pytest.raises(PermissionError) as err:
        require(Actor("ed", Role.EDITOR), "manage_users", team_db)
    assert str(err.value) == (
        "ed tiene el rol editor y no puede administrar usuarios (se necesita el rol administrador)"
    )
    with i18n.using("es"), pytest.raises(PermissionError) as err:
        require(None, "import", team_db)
    assert str(err.value) == "hay usuarios configurados: inicie sesión para importar archivos"


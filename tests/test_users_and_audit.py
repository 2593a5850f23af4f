"""Issue 14, items 3 and 4, in the package: users and roles enforced by the functions that write
(not by the pages), read-only mode, the audit trail and recoverable deletion.

Expected values are written by hand from the rows imported here: dataset "huila" has 3
incidents with 1, 2 and 3 fatalities (6), dataset "tibu" 2 incidents with 4 and 0 (4).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import store_access

from conflictmap import (
    audit,
    data_admin,
    ingest,
    permissions,
    queries,
    store,
    territory_editor,
    trends_view,
    users,
)
from conflictmap.filters import Filters
from conflictmap.permissions import Actor, Role
from conflictmap.shared_reader import SHARED

ROOT = Path(__file__).resolve().parents[1]
HEADER = "event_date,event_type,source,latitude,longitude,fatalities,actor1\n"
HUILA = (
    HEADER
    + "2023-01-01,Battles,El Tiempo,2.93,-75.28,1,ELN\n"
    + "2023-01-02,Battles,El Tiempo,2.93,-75.28,2,ELN\n"
    + "2023-01-03,Riots,El Tiempo,2.93,-75.28,3,Los Invisibles del Sur\n"
).encode()
TIBU = (
    HEADER
    + "2023-02-01,Battles,El Tiempo,8.64,-72.73,4,Clan del Golfo\n"
    + "2023-02-02,Protests,El Tiempo,8.64,-72.73,0,\n"
).encode()
CLAIMS = "group,municipality,department,valid_from,valid_to,level,source\nELN,54810,,2020-01-01,,recurrent,SAT 001\n"
PASSWORD = "correct horse battery"


def sql(db: Path, query: str, params: list | None = None) -> list[tuple]:
    with store_access.read(db) as con:
        return con.execute(query, params or []).fetchall()


def figures(db: Path) -> tuple[int, int]:
    """Incidents and fatalities of the whole database, as `conflictmap summary` reports them."""
    with store.connect(db, read_only=True) as con:
        result = queries.summary(con, Filters())
    return int(str(result["incidents"])), int(str(result["fatalities"]))


def add_incident_form() -> data_admin.IncidentForm:
    return data_admin.IncidentForm(
        event_date=date(2023, 3, 1),
        date_precision="day",
        event_type="Battles",
        actor1="ELN",
        municipality="41001",
        fatalities=1,
        source="El Tiempo",
        source_url="https://example.com/a",
    )


@pytest.fixture()
def db(tmp_path: Path, boundaries) -> Path:  # noqa: ARG001
    path = tmp_path / "team.duckdb"
    data_admin.import_upload(io.BytesIO(HUILA), "huila.csv", dataset="huila", db=path)
    data_admin.import_upload(io.BytesIO(TIBU), "tibu.csv", dataset="tibu", db=path)
    return path


@pytest.fixture()
def team(db: Path) -> dict[str, Actor]:
    """An admin, an editor and a viewer, signed in (the first added in single-user mode)."""
    users.add("Ada", "admin", PASSWORD, db=db)
    ada = users.sign_in("ada", PASSWORD, db)
    assert ada is not None
    users.add("ed", "editor", PASSWORD, actor=ada, db=db)
    users.add("vi", "viewer", PASSWORD, actor=ada, db=db)
    ed, vi = users.sign_in("ed", PASSWORD, db), users.sign_in("vi", PASSWORD, db)
    assert ed is not None and vi is not None
    return {"admin": ada, "editor": ed, "viewer": vi}


# ---- users and signing in ------------------------------------------------------------------------


def test_single_user_mode_until_a_user_is_added(db: Path) -> None:
    assert not users.configured(db)
    assert users.listing(db).empty
    # the local person may do everything (it is their own tool) ...
    assert permissions.require(None, "delete_dataset", db) == permissions.LOCAL
    # ... and the first user must be an admin
    with pytest.raises(users.UserError, match="first user must be an admin"):
        users.add("ed", "editor", PASSWORD, db=db)
    users.add("ada", "admin", PASSWORD, db=db)
    assert users.configured(db)
    with pytest.raises(PermissionError, match="sign in"):
        permissions.require(None, "import", db)
    with pytest.raises(PermissionError, match="sign in"):
        permissions.require(permissions.LOCAL, "import", db)


def test_passwords_are_argon2_hashes_and_a_wrong_one_is_refused(db: Path, team: dict) -> None:
    (stored,) = sql(db, "SELECT password_hash FROM users WHERE name = 'ed'")[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert users.sign_in("ed", PASSWORD, db) == Actor("ed", Role.EDITOR, "web")
    assert users.sign_in("ED ", PASSWORD, db) == Actor("ed", Role.EDITOR, "web")  # any case
    assert users.sign_in("ed", PASSWORD + "!", db) is None
    assert users.sign_in("ed", "", db) is None
    assert users.sign_in("nobody", PASSWORD, db) is None
    # never the hashes in a listing
    listed = users.listing(db)
    assert listed["name"].tolist() == ["ada", "ed", "vi"]
    assert listed["role"].tolist() == ["admin", "editor", "viewer"]
    assert "password_hash" not in listed.columns


def test_sign_ins_and_refusals_are_recorded_and_guessing_is_throttled(db: Path, team: dict) -> None:
    """Each sign-in and refusal is an audit row; the sixth try within 15 minutes after five
    refusals is refused without checking the password (even the right one), for that name
    only, until the oldest refusal is 15 minutes old."""
    start = datetime.now(UTC).replace(tzinfo=None)
    for _ in range(5):
        assert users.sign_in("ed", "guess", db) is None
    assert users.sign_in("nobody", "guess", db) is None
    rows = sql(
        db,
        "SELECT who, role, via, action FROM audit_log WHERE action LIKE 'sign_in%' "
        "AND logged_at >= ? ORDER BY audit_id",
        [start],
    )
    assert rows == [("ed", "-", "web", "sign_in_refused")] * 5 + [
        ("nobody", "-", "web", "sign_in_refused")
    ]
    with pytest.raises(users.SignInLocked) as locked:
        users.sign_in("ED", PASSWORD, db)  # any case: the same account
    (fifth_last,) = sql(
        db,
        "SELECT min(logged_at) FROM audit_log WHERE action = 'sign_in_refused' AND who = 'ed'",
    )[0]
    assert locked.value.until == fifth_last + timedelta(minutes=15)
    assert locked.value.minutes_left(fifth_last) == 15
    assert locked.value.minutes_left(fifth_last + timedelta(minutes=14, seconds=1)) == 1
    assert "Try again in 15 minutes." in locked.value.message(fifth_last)
    # the refused try while locked is not counted again, and other names are not locked
    assert len(sql(db, "SELECT * FROM audit_log WHERE action = 'sign_in_refused'")) == 6
    assert users.sign_in("vi", PASSWORD, db) == team["viewer"]
    # 15 minutes after the first refusal, the right password works again and is recorded
    later = fifth_last + timedelta(minutes=15, seconds=1)
    assert users.sign_in("ed", PASSWORD, db, at=later) == team["editor"]
    assert sql(
        db, "SELECT who, role, action FROM audit_log ORDER BY audit_id DESC LIMIT 1"
    ) == [("ed", "editor", "sign_in")]


def test_user_rules(db: Path, team: dict) -> None:
    ada = team["admin"]
    with pytest.raises(users.UserError, match="exists already"):
        users.add("ED", "viewer", PASSWORD, actor=ada, db=db)
    with pytest.raises(users.UserError, match="at least 8"):
        users.add("short", "viewer", "1234567", actor=ada, db=db)
    with pytest.raises(users.UserError, match="cannot be a user name"):
        users.add("two words", "viewer", PASSWORD, actor=ada, db=db)
    with pytest.raises(ValueError, match="unknown role"):
        users.add("x", "owner", PASSWORD, actor=ada, db=db)
    with pytest.raises(users.UserError, match="last admin"):
        users.set_role("ada", "editor", actor=ada, db=db)
    with pytest.raises(users.UserError, match="last admin"):
        users.remove("ada", actor=ada, db=db)
    with pytest.raises(PermissionError, match="ed is a editor and may not manage users"):
        users.add("x", "viewer", PASSWORD, actor=team["editor"], db=db)


def test_a_role_change_or_removal_applies_at_the_next_action(db: Path, team: dict) -> None:
    ada, ed = team["admin"], team["editor"]
    # ed signed in as an editor; demoted since, their session's Actor still says editor
    users.set_role("ed", "viewer", actor=ada, db=db)
    with pytest.raises(PermissionError, match="ed is a viewer"):
        data_admin.import_upload(io.BytesIO(HUILA), "h.csv", dataset="again", db=db, actor=ed)
    users.remove("vi", actor=ada, db=db)
    with pytest.raises(PermissionError, match="no longer exists"):
        permissions.require(team["viewer"], "view", db)
    assert users.current(team["viewer"], db) is None
    assert users.current(ed, db) == Actor("ed", Role.VIEWER, "web")


# ---- server-side enforcement -----------------------------------------------------------------------


def test_every_write_refuses_a_viewer(db: Path, team: dict) -> None:
    vi = team["viewer"]
    before = sql(db, "SELECT count(*) FROM incidents")[0][0]
    territory_editor.import_upload(io.BytesIO(CLAIMS.encode()), "sat.csv", db=db, actor=team["editor"])
    claims = territory_editor.editor_table(db)
    writes = {
        "import": lambda: data_admin.import_upload(
            io.BytesIO(HUILA), "h.csv", dataset="h", db=db, actor=vi
        ),
        "add": lambda: data_admin.save_incident(add_incident_form(), db, actor=vi),
        "map": lambda: data_admin.map_actor("Los Invisibles del Sur", "ELN", db, actor=vi),
        "unmap": lambda: data_admin.unmap_actor("Los Invisibles del Sur", db, actor=vi),
        "delete": lambda: data_admin.delete_dataset("huila", db, actor=vi),
        "restore": lambda: data_admin.restore_dataset("huila", db, actor=vi),
        "purge": lambda: data_admin.purge_dataset("huila", db, actor=vi),
        "territory save": lambda: territory_editor.save_edits(
            claims, {"deleted_rows": [0]}, db, actor=vi
        ),
        "territory import": lambda: territory_editor.import_upload(
            io.BytesIO(CLAIMS.encode()), "sat.csv", db=db, actor=vi
        ),
        "annotation": lambda: trends_view.add_annotation(date(2023, 1, 1), "x", db, actor=vi),
        "users": lambda: users.add("x", "viewer", PASSWORD, actor=vi, db=db),
        "audit": lambda: audit.trail(db, actor=vi),
    }
    for name, write in writes.items():
        try:
            write()
        except PermissionError as exc:
            assert "vi is a viewer and may not" in str(exc), name
        else:
            pytest.fail(f"{name}: a viewer was allowed to write")
    # nor may anyone who has not signed in
    with pytest.raises(PermissionError, match="sign in to import files"):
        data_admin.import_upload(io.BytesIO(HUILA), "h.csv", dataset="h", db=db)
    assert sql(db, "SELECT count(*) FROM incidents")[0][0] == before == 5
    assert sql(db, "SELECT count(*) FROM territory_claims")[0][0] == 1
    assert sql(db, "SELECT count(*) FROM annotations")[0][0] == 0


def test_an_editor_imports_but_does_not_delete_an_admin_deletes(db: Path, team: dict) -> None:
    ed, ada = team["editor"], team["admin"]
    report = data_admin.import_upload(io.BytesIO(HUILA), "h.csv", dataset="h2", db=db, actor=ed)
    assert report.inserted == 0 and report.duplicates == 3  # same rows, same ids
    assert data_admin.save_incident(add_incident_form(), db, actor=ed).saved
    with pytest.raises(PermissionError, match="ed is a editor and may not delete datasets"):
        data_admin.delete_dataset("huila", db, actor=ed)
    assert data_admin.delete_dataset("huila", db, actor=ada) == 3


# ---- audit trail -----------------------------------------------------------------------------------


def test_every_action_is_recorded_with_who_when_and_what(db: Path, team: dict) -> None:
    ada, ed = team["admin"], team["editor"]
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    last = audit.trail(db, actor=ada)["audit_id"].max()  # the fixture's entries
    data_admin.import_upload(io.BytesIO(HUILA), "huila-again.csv", dataset="h2", db=db, actor=ed)
    data_admin.save_incident(add_incident_form(), db, actor=ed)
    data_admin.map_actor("Los Invisibles del Sur", "ELN", db, actor=ed)
    territory_editor.import_upload(io.BytesIO(CLAIMS.encode()), "sat.csv", db=db, actor=ed)
    claims = territory_editor.editor_table(db)
    state = {"added_rows": [{"group_name": "ELN", "muni_code": "41001", "valid_from": "2021-01-01",
                             "level": "transit", "source": "SAT 9"}]}  # fmt: skip
    assert territory_editor.save_edits(claims, state, db, actor=ed).saved
    assert data_admin.delete_dataset("tibu", db, actor=ada) == 2
    assert data_admin.restore_dataset("tibu", db, actor=ada).restored == 2
    assert data_admin.delete_dataset("tibu", db, actor=ada) == 2
    assert data_admin.purge_dataset("tibu", db, actor=ada) == 2
    end = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=1)

    trail = audit.trail(db, actor=ada)
    mine = trail[trail["audit_id"] > last].iloc[::-1]  # oldest first
    got = list(zip(mine["who"], mine["action"], mine["dataset"].fillna(""), mine["rows"], strict=True))
    assert got == [
        ("ed", "import", "h2", 0),
        ("ed", "add_incident", "manual-entries", 1),
        ("ed", "map_actor", "", 1),  # the one Huila incident naming Los Invisibles del Sur
        ("ed", "territory_import", "sat", 1),
        ("ed", "territory_save", "", 1),
        ("ada", "delete_dataset", "tibu", 2),
        ("ada", "restore_dataset", "tibu", 2),
        ("ada", "delete_dataset", "tibu", 2),
        ("ada", "purge_dataset", "tibu", 2),
    ]
    assert all(start <= t <= end for t in mine["logged_at"])
    assert set(mine["via"]) == {"web"}
    assert mine["role"].tolist()[:5] == ["editor"] * 5
    # the import: the file's name and SHA-256, and the report's counts
    row = mine.iloc[0]
    assert row["file"] == "huila-again.csv"
    assert row["file_sha256"] == hashlib.sha256(HUILA).hexdigest()
    assert json.loads(row["detail"]) == {
        "format": "native", "read": 3, "inserted": 0, "duplicates": 3, "rejected": 0,
    }  # fmt: skip
    assert mine.iloc[3]["file_sha256"] == hashlib.sha256(CLAIMS.encode()).hexdigest()
    assert json.loads(mine.iloc[2]["detail"]) == {"name": "Los Invisibles del Sur", "target": "ELN"}
    assert json.loads(mine.iloc[1]["detail"])["source_url"] == "https://example.com/a"
    # filters: a person (ada added ed and vi; ada herself was added in single-user mode)
    assert audit.trail(db, actor=ada, who="ada")["action"].tolist() == [
        "purge_dataset", "delete_dataset", "restore_dataset", "delete_dataset",
        "user_add", "user_add", "sign_in",
    ]  # fmt: skip
    deletions = audit.trail(db, actor=ada, actions=["delete_dataset", "purge_dataset"])
    assert deletions["dataset"].tolist() == ["tibu", "tibu", "tibu"]
    assert audit.trail(db, actor=ada, dataset="TIB")["dataset"].unique().tolist() == ["tibu"]
    assert audit.trail(db, actor=ada, since=date(2000, 1, 1), until=date(2000, 1, 2)).empty


def test_an_import_and_its_audit_row_are_one_transaction(db: Path, team: dict) -> None:
    """The audit row is written by the importer before it commits: when the entry cannot be
    written, nothing of the import is stored; a refused file leaves neither."""
    ed = team["editor"]
    before = figures(db)
    imports = "SELECT count(*) FROM audit_log WHERE action = 'import'"
    (n_before,) = sql(db, imports)[0]

    def failing(con, counts):  # noqa: ANN001, ANN202 - an audit entry that fails
        assert counts == {"dataset": "again", "format": "native", "read": 2, "inserted": 2,
                          "duplicates": 0, "rejected": 0}  # fmt: skip
        raise RuntimeError("the audit trail is full")

    with pytest.raises(RuntimeError, match="audit trail is full"):
        ingest.import_stream(
            io.BytesIO(TIBU.replace(b"2023-02", b"2024-02")), name="t.csv", dataset="again",
            db=db, audit_entry=failing,
        )  # fmt: skip
    assert figures(db) == before and sql(db, imports) == [(n_before,)]
    with pytest.raises(Exception, match="no rows"):
        data_admin.import_upload(io.BytesIO(HEADER.encode()), "empty.csv", dataset="e", db=db, actor=ed)
    assert sql(db, imports) == [(n_before,)]
    report = data_admin.import_upload(
        io.BytesIO(TIBU.replace(b"2023-02", b"2024-02")), "t.csv", dataset="again", db=db, actor=ed
    )
    assert report.inserted == 2 and figures(db) == (before[0] + 2, before[1] + 4)
    assert sql(
        db, "SELECT who, dataset, rows, file FROM audit_log WHERE action = 'import' "
        "ORDER BY audit_id DESC LIMIT 1",
    ) == [("ed", "again", 2, "t.csv")]  # fmt: skip


def test_users_and_single_user_actions_are_recorded(db: Path, team: dict) -> None:
    trail = audit.trail(db, actor=team["admin"]).iloc[::-1]
    got = list(zip(trail["who"], trail["via"], trail["action"], strict=True))
    assert got == [
        ("local", "local", "import"),  # the fixture's two imports, before any user existed
        ("local", "local", "import"),
        ("local", "local", "user_add"),  # the first user, added in single-user mode
        ("ada", "web", "sign_in"),
        ("ada", "web", "user_add"),
        ("ada", "web", "user_add"),
        ("ed", "web", "sign_in"),
        ("vi", "web", "sign_in"),
    ]
    assert json.loads(trail.iloc[4]["detail"]) == {"user": "ed", "role": "editor"}


# ---- recoverable deletion --------------------------------------------------------------------------


def test_a_deleted_dataset_vanishes_everywhere_and_comes_back_on_restore(db: Path) -> None:
    assert figures(db) == (5, 10)
    with store.connect(db, read_only=True) as con:
        assert sorted(store.datasets(con)["dataset"]) == ["huila", "tibu"]
    assert data_admin.delete_dataset("huila", db) == 3
    # gone from the figures, the dataset list, the actor lists and the incident table ...
    assert figures(db) == (2, 4)
    contents = data_admin.database_contents(db)
    assert contents.datasets["dataset"].tolist() == ["tibu"]
    assert "Los Invisibles del Sur" not in contents.unknown_actors["actor"].tolist()
    with store.connect(db, read_only=True) as con:
        table = queries.newest(con, Filters(), 100)
    assert sorted(str(d)[:7] for d in table["event_date"]) == ["2023-02", "2023-02"]
    # ... but kept, and listed for an admin
    assert sql(db, "SELECT count(*) FROM deleted_incidents WHERE dataset = 'huila'") == [(3,)]
    listed = data_admin.deleted_datasets(db)
    assert listed[["dataset", "incidents", "deleted_by"]].values.tolist() == [["huila", 3, "local"]]
    restored = data_admin.restore_dataset("huila", db)
    assert (restored.restored, restored.skipped) == (3, 0)
    assert figures(db) == (5, 10)
    assert "Los Invisibles del Sur" in data_admin.database_contents(db).unknown_actors["actor"].tolist()
    assert data_admin.deleted_datasets(db).empty
    # the actor filter still finds the restored incidents (their actor index was rebuilt)
    with store.connect(db, read_only=True) as con:
        assert queries.summary(con, Filters(actors=("ELN",)))["incidents"] == 2
    with pytest.raises(data_admin.TrashError, match="no deleted dataset named 'huila'"):
        data_admin.restore_dataset("huila", db)


def test_restore_skips_what_was_imported_again_and_purge_is_final(db: Path) -> None:
    data_admin.delete_dataset("huila", db)
    data_admin.import_upload(io.BytesIO(HUILA), "huila.csv", dataset="huila", db=db)
    assert figures(db) == (5, 10)
    restored = data_admin.restore_dataset("huila", db)
    assert (restored.restored, restored.skipped) == (0, 3)
    assert figures(db) == (5, 10)
    assert data_admin.delete_dataset("tibu", db) == 2
    assert data_admin.purge_dataset("tibu", db) == 2
    assert sql(db, "SELECT count(*) FROM deleted_incidents") == [(0,)]
    with pytest.raises(data_admin.TrashError):
        data_admin.restore_dataset("tibu", db)
    assert figures(db) == (3, 6)


def test_a_restored_dataset_takes_the_mappings_made_while_it_was_deleted(db: Path) -> None:
    data_admin.delete_dataset("huila", db)
    data_admin.import_upload(
        io.BytesIO(HEADER.encode() + b"2023-04-01,Battles,El Tiempo,8.64,-72.73,1,Los Invisibles del Sur\n"),
        "more.csv",
        dataset="more",
        db=db,
    )
    assert data_admin.map_actor("Los Invisibles del Sur", "ELN", db).incidents == 1
    data_admin.restore_dataset("huila", db)
    assert sql(db, "SELECT count(*) FROM incidents WHERE actor1 = 'Los Invisibles del Sur'") == [(0,)]
    with store.connect(db, read_only=True) as con:
        assert queries.summary(con, Filters(actors=("ELN",)))["incidents"] == 4


# ---- read-only mode --------------------------------------------------------------------------------


def test_read_only_mode_refuses_every_write(
    db: Path, team: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICTMAP_READ_ONLY", "1")
    ada = team["admin"]
    assert not permissions.allows(ada, "import") and permissions.allows(ada, "view")
    assert not permissions.allows(None, "import") and not permissions.allows(None, "view_audit")
    for write in (
        lambda: data_admin.import_upload(io.BytesIO(HUILA), "h.csv", dataset="h", db=db, actor=ada),
        lambda: data_admin.delete_dataset("huila", db, actor=ada),
        lambda: users.add("x", "viewer", PASSWORD, actor=ada, db=db),
    ):
        with pytest.raises(PermissionError, match="read-only"):
            write()
    # below the permission checks, the store opens no writing connection either
    with pytest.raises(PermissionError, match="read-only"), store.connect(db):
        pass
    assert figures(db) == (5, 10)  # reading works
    before = sql(db, "SELECT count(*) FROM audit_log")
    assert users.sign_in("ada", PASSWORD, db) == ada  # signing in writes nothing
    for _ in range(6):  # nor throttles: nothing could record the refusals
        assert users.sign_in("ada", "guess", db) is None
    assert sql(db, "SELECT count(*) FROM audit_log") == before


def test_read_only_without_users_is_a_public_viewer(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICTMAP_READ_ONLY", "yes")
    with pytest.raises(PermissionError, match="read-only"):
        data_admin.delete_dataset("huila", db)
    with pytest.raises(PermissionError, match="read-only"):
        audit.trail(db)
    monkeypatch.setenv("CONFLICTMAP_READ_ONLY", "perhaps")
    from conflictmap.settings import SettingsError

    with pytest.raises(SettingsError, match="CONFLICTMAP_READ_ONLY"):
        permissions.read_only()


# ---- the command line ------------------------------------------------------------------------------


def cli(*args: str, db: Path, stdin: str = "", env: dict[str, str] | None = None):
    SHARED.close()  # this process's reader lets go of the file (DuckDB: one writer or readers)
    return subprocess.run(
        [sys.executable, "-m", "conflictmap.cli", *args, "--db", str(store.resolve_db(db))],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_cli_users_datasets_and_audit(db: Path, tmp_path: Path) -> None:
    out = cli("users", "add", "ada", "--role", "admin", "--password-stdin", db=db, stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"added": "ada", "role": "admin"}
    assert users.sign_in("ada", PASSWORD, db) is not None
    out = cli("users", "add", "vi", "--role", "viewer", "--password-stdin", db=db, stdin="short\n")
    assert out.returncode == 2 and "at least 8 characters" in out.stderr
    out = cli("users", "add", "vi", "--role", "viewer", "--password-stdin", db=db, stdin=PASSWORD)
    assert out.returncode == 0, out.stderr
    out = cli("users", "role", "vi", "editor", db=db)
    assert json.loads(out.stdout) == {"name": "vi", "role": "editor"}
    listed = json.loads(cli("users", "list", db=db).stdout)
    assert [(u["name"], u["role"]) for u in listed["users"]] == [("ada", "admin"), ("vi", "editor")]
    assert json.loads(cli("users", "remove", "vi", db=db).stdout) == {"removed": "vi"}

    out = cli("datasets", "delete", "huila", db=db)
    assert json.loads(out.stdout)["incidents"] == 3
    listed = json.loads(cli("datasets", "list", db=db).stdout)
    assert listed["datasets"] == [{"dataset": "tibu", "incidents": 2}]
    assert [(d["dataset"], d["incidents"]) for d in listed["deleted"]] == [("huila", 3)]
    assert json.loads(cli("datasets", "restore", "huila", db=db).stdout)["incidents"] == 3
    cli("datasets", "delete", "tibu", db=db)
    assert json.loads(cli("datasets", "purge", "tibu", db=db).stdout) == {
        "purged": "tibu", "incidents": 2
    }  # fmt: skip
    out = cli("datasets", "purge", "tibu", db=db)
    assert out.returncode == 2 and "no deleted dataset named 'tibu'" in out.stderr

    source = tmp_path / "more.csv"
    source.write_bytes(HEADER.encode() + b"2023-05-01,Battles,El Tiempo,2.93,-75.28,1,ELN\n")
    assert cli("import", str(source), "--dataset", "more", db=db).returncode == 0
    entries = json.loads(cli("audit", "--action", "import", db=db).stdout)["entries"]
    newest = entries[0]
    assert (newest["via"], newest["role"], newest["dataset"], newest["rows"]) == (
        "cli", "admin", "more", 1
    )  # fmt: skip
    assert newest["file_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    actions = [e["action"] for e in json.loads(cli("audit", "--limit", "8", db=db).stdout)["entries"]]
    assert actions == [
        "import", "purge_dataset", "delete_dataset", "restore_dataset", "delete_dataset",
        "user_remove", "user_role", "user_add",
    ]  # fmt: skip

    # read-only: the command line refuses to write, before reading the file
    out = cli("import", str(source), db=db, env={"CONFLICTMAP_READ_ONLY": "1"})
    assert out.returncode == 2 and "read-only" in out.stderr
    out = cli("users", "add", "x", "--role", "viewer", "--password-stdin", db=db, stdin=PASSWORD,
              env={"CONFLICTMAP_READ_ONLY": "1"})  # fmt: skip
    assert out.returncode == 2 and "read-only" in out.stderr
    assert cli("summary", db=db, env={"CONFLICTMAP_READ_ONLY": "1"}).returncode == 0

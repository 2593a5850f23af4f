"""Issue 14 on the pages (AppTest): with users configured every page asks to sign in first; each
role sees the controls it may use; single-user and read-only modes say so in the sidebar.

The database: dataset "huila" (3 incidents) and "tibu" (2), imported before any user existed,
then the users ada (admin), ed (editor) and vi (viewer). What a page did is read back from the
file, not only from what it says.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import store_access
from streamlit.testing.v1 import AppTest

from conflictmap import audit, data_admin, users
from conflictmap.permissions import Actor, Role

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["dashboard.py", "pages/1_Data.py", "pages/2_Territories.py", "pages/3_Trends.py",
         "pages/4_Admin.py"]  # fmt: skip
HEADER = "event_date,event_type,source,latitude,longitude,fatalities,actor1\n"
HUILA = (
    HEADER
    + "2023-01-01,Battles,El Tiempo,2.93,-75.28,1,ELN\n"
    + "2023-01-02,Battles,El Tiempo,2.93,-75.28,2,ELN\n"
    + "2023-01-03,Riots,El Tiempo,2.93,-75.28,3,ELN\n"
)
TIBU = HEADER + "2023-02-01,Battles,El Tiempo,8.64,-72.73,4,ELN\n2023-02-02,Protests,El Tiempo,8.64,-72.73,0,\n"
NEW = HEADER + "2023-05-01,Battles,El Tiempo,2.93,-75.28,1,ELN\n2023-05-02,Battles,El Tiempo,2.93,-75.28,0,ELN\n"
PASSWORD = "correct horse battery"
# every control that writes, by its widget key
WRITE_KEYS = {
    "upload", "import_go", "layout_save", "delete_dataset", "delete_go", "map_name", "unmap_go",
    "add_date", "claims_save", "terr_upload", "terr_import", "ann_label", "adm_restore",
    "adm_purge", "adm_new_name", "adm_user_role_go", "adm_user_remove",
}  # fmt: skip
ADA, ED, VI = (Actor("ada", Role.ADMIN), Actor("ed", Role.EDITOR), Actor("vi", Role.VIEWER))


def count(db: Path, where: str = "TRUE") -> int:
    with store_access.read(db) as con:
        return con.execute(f"SELECT count(*) FROM incidents WHERE {where}").fetchall()[0][0]


def keys(at: AppTest) -> set[str]:
    """The keys of every widget on the page (file uploaders included)."""
    found = set()
    for node in at.main, at.sidebar:
        stack = [node]
        while stack:
            element = stack.pop()
            key = getattr(element, "key", None)
            if key:
                found.add(key)
            children = getattr(element, "children", None)
            if children:
                stack.extend(children.values())
    return found


def sidebar_text(at: AppTest) -> str:
    return " ".join(e.value for e in [*at.sidebar.markdown, *at.sidebar.caption])


@pytest.fixture()
def db(tmp_path: Path, boundaries, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: ARG001
    path = tmp_path / "team.duckdb"
    monkeypatch.setenv("CONFLICTMAP_DB", str(path))
    monkeypatch.delenv("CONFLICTMAP_READ_ONLY", raising=False)
    data_admin.import_upload(io.BytesIO(HUILA.encode()), "huila.csv", dataset="huila", db=path)
    data_admin.import_upload(io.BytesIO(TIBU.encode()), "tibu.csv", dataset="tibu", db=path)
    return path


@pytest.fixture()
def team(db: Path) -> Path:
    users.add("ada", "admin", PASSWORD, db=db)
    users.add("ed", "editor", PASSWORD, actor=ADA, db=db)
    users.add("vi", "viewer", PASSWORD, actor=ADA, db=db)
    return db


def page(name: str, actor: Actor | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / name), default_timeout=180)
    if actor is not None:  # as the sign-in form leaves it
        at.session_state["cm_actor"] = actor
    return at


@pytest.mark.parametrize("name", PAGES)
def test_a_signed_out_visitor_sees_only_the_sign_in_form(team: Path, name: str) -> None:
    at = page(name)
    at.run()
    assert not at.exception, at.exception
    assert {"auth_name", "auth_password"} <= keys(at)
    assert not keys(at) & WRITE_KEYS
    assert not at.get("file_uploader")
    assert not at.metric and not at.dataframe  # nor any data
    assert "Sign in to use ConflictMap." in [e.value for e in at.info]


def sign_in(at: AppTest, name: str, password: str) -> None:
    at.text_input(key="auth_name").set_value(name)
    at.text_input(key="auth_password").set_value(password)
    next(b for b in at.button if b.label == "Sign in").click().run()


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(team: Path) -> None:
    at = page("pages/1_Data.py")
    at.run()
    sign_in(at, "vi", "not the password")
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert "auth_name" in keys(at) and "cm_actor" not in at.session_state
    sign_in(at, "nobody", PASSWORD)
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    sign_in(at, "vi", PASSWORD)
    assert not at.exception, at.exception
    assert at.session_state["cm_actor"] == VI
    assert "auth_name" not in keys(at)
    assert "Signed in as **vi** (viewer)" in sidebar_text(at)
    # sign out: the form again
    at.button(key="auth_sign_out").click().run()
    assert "auth_name" in keys(at) and "cm_actor" not in at.session_state


def test_five_refusals_lock_the_name_for_a_while(team: Path) -> None:
    at = page("pages/1_Data.py")
    at.run()
    for _ in range(5):
        sign_in(at, "vi", "a guess")
        assert [e.value for e in at.error] == ["Wrong user name or password."]
    sign_in(at, "vi", PASSWORD)  # the right password, too late
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "Too many refused sign-ins as this name. Try again in 15 minutes."
    ]
    assert "cm_actor" not in at.session_state and "auth_name" in keys(at)
    with store_access.read(team) as con:
        refused = con.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'sign_in_refused' AND who = 'vi'"
        ).fetchall()
    assert refused == [(5,)]


def test_a_viewer_looks_filters_and_exports_but_cannot_change_anything(team: Path) -> None:
    for name in PAGES[1:4]:
        at = page(name, VI)
        at.run()
        assert not at.exception, (name, at.exception)
        assert not keys(at) & WRITE_KEYS, (name, keys(at) & WRITE_KEYS)
        assert not at.get("file_uploader"), name
    data = page("pages/1_Data.py", VI)
    data.run()
    infos = " ".join(e.value for e in data.info)
    assert "Your role (viewer) cannot import files" in infos
    assert "Your role (viewer) cannot add incidents" in infos
    listed = [d.value for d in data.dataframe if "dataset" in d.value.columns][0]
    assert dict(zip(listed["dataset"], listed["incidents"], strict=True)) == {"huila": 3, "tibu": 2}
    main = page("dashboard.py", VI)
    main.run()
    assert not main.exception, main.exception
    assert {m.label: m.value for m in main.metric}["Incidents"] == "5"
    assert "x_prepare" in keys(main)  # export
    main.selectbox(key="f_dept").set_value("54").run()  # filter: Norte de Santander
    assert {m.label: m.value for m in main.metric}["Incidents"] == "2"
    # the Admin page refuses a viewer even when opened directly
    admin = page("pages/4_Admin.py", VI)
    admin.run()
    assert "Your role (viewer) cannot read the audit trail" in admin.error[0].value
    assert not admin.dataframe


def test_an_editor_imports_but_cannot_delete(team: Path) -> None:
    at = page("pages/1_Data.py", ED)
    at.run()
    assert not at.exception, at.exception
    assert "delete_dataset" not in keys(at) and "delete_go" not in keys(at)
    assert "map_name" not in keys(at)  # every actor name is known: nothing to map
    at.file_uploader(key="upload").set_value(("new.csv", NEW.encode(), "text/csv")).run()
    assert not at.exception, at.exception
    at.button(key="import_go").click().run()
    assert not at.exception, at.exception
    assert count(team) == 7 and count(team, "dataset = 'new'") == 2
    entry = audit.trail(team, actor=ADA, actions=["import"]).iloc[0]
    assert (entry["who"], entry["role"], entry["dataset"], entry["rows"]) == ("ed", "editor", "new", 2)
    assert entry["file"] == "new.csv"


def test_an_admin_deletes_and_restores_and_the_figures_follow(team: Path) -> None:
    main = page("dashboard.py", ADA)
    main.run()
    assert {m.label: m.value for m in main.metric}["Incidents"] == "5"

    at = page("pages/1_Data.py", ADA)
    at.run()
    at.selectbox(key="delete_dataset").set_value("huila").run()
    at.text_input(key="delete_confirm").set_value("huila").run()
    at.button(key="delete_go").click().run()
    assert not at.exception, at.exception
    assert "Deleted 3 incidents" in " ".join(e.value for e in at.success).replace("\\", "")
    assert count(team) == 2

    main.run()  # the key figures no longer count the deleted dataset
    assert {m.label: m.value for m in main.metric}["Incidents"] == "2"
    assert {m.label: m.value for m in main.metric}["Fatalities"] == "4"

    admin = page("pages/4_Admin.py", ADA)
    admin.run()
    assert not admin.exception, admin.exception
    deleted = [d.value for d in admin.dataframe if "deleted_by" in d.value.columns][0]
    assert deleted[["dataset", "incidents", "deleted_by"]].values.tolist() == [["huila", 3, "ada"]]
    trail = [d.value for d in admin.dataframe if "file_sha256" in d.value.columns][0]
    assert trail["action"].iloc[0] == "Dataset deleted" and trail["who"].iloc[0] == "ada"
    people = [d.value for d in admin.dataframe if list(d.value.columns)[:2] == ["name", "role"]][0]
    assert people["name"].tolist() == ["ada", "ed", "vi"]
    admin.selectbox(key="adm_trash_pick").set_value("huila").run()
    admin.button(key="adm_restore").click().run()
    assert not admin.exception, admin.exception
    assert "Restored 3 incidents" in " ".join(e.value for e in admin.success).replace("\\", "")
    assert count(team) == 5

    main.run()
    assert {m.label: m.value for m in main.metric}["Incidents"] == "5"
    assert {m.label: m.value for m in main.metric}["Fatalities"] == "10"
    # the trail, filtered by action on the page
    admin.multiselect(key="adm_actions").set_value(["restore_dataset"]).run()
    trail = [d.value for d in admin.dataframe if "file_sha256" in d.value.columns][0]
    assert trail[["who", "action", "dataset", "rows"]].values.tolist() == [
        ["ada", "Dataset restored", "huila", 3]
    ]


def test_single_user_mode_works_as_before_and_says_so(db: Path) -> None:
    at = page("pages/1_Data.py")
    at.run()
    assert not at.exception, at.exception
    assert "Single-user mode: anyone who opens this page can import and delete" in sidebar_text(at)
    assert {"upload", "delete_dataset"} <= keys(at)
    assert "auth_name" not in keys(at)
    admin = page("pages/4_Admin.py")
    admin.run()
    assert not admin.exception and admin.dataframe  # the trail: the two imports by "local"


def test_read_only_mode_shows_no_write_control_to_anyone(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICTMAP_READ_ONLY", "1")
    for name in PAGES[1:4]:
        at = page(name, ADA)
        at.run()
        assert not at.exception, (name, at.exception)
        assert not keys(at) & WRITE_KEYS, (name, keys(at) & WRITE_KEYS)
        assert "Read-only" in sidebar_text(at)
    at = page("pages/1_Data.py", ADA)
    at.run()
    assert "This ConflictMap is read-only: no one can import files here." in [
        e.value for e in at.info
    ]

"""The sign-in gate every page passes (Streamlit UI only: users, roles and the checks that count
live in conflictmap.users and conflictmap.permissions; the package refuses a write the role does
not allow whatever a page shows).

With users configured, a page shows the sign-in form instead of itself until someone signs in;
the signed-in user and a Sign out button are in the sidebar. The session is the signed-in
:class:`conflictmap.permissions.Actor` in ``st.session_state`` (refreshed from the users table on
every run: a removed user is signed out, a changed role applies at once). With no users, the
sidebar says that the page is open to anyone.
"""

from __future__ import annotations

import streamlit as st

from conflictmap import page_state, permissions, text, users
from conflictmap.permissions import Actor

SESSION_KEY = "cm_actor"
SINGLE_USER_NOTE = (
    "Single-user mode: anyone who opens this page can import and delete; add users with "
    "`conflictmap users add`"
)
READ_ONLY_NOTE = (
    "Read-only: this ConflictMap shows its data; nothing can be imported, edited or deleted here."
)
SIGN_IN_NOTE = "Sign in to use ConflictMap."
WRONG_PASSWORD = "Wrong user name or password."


def signed_in() -> Actor | None:
    """Who acts in this session, without drawing anything: the signed-in user as the users
    table has them now, the single-user mode's local person without users, None when users
    are configured and nobody signed in."""
    if not users.configured():
        return permissions.LOCAL
    return users.current(st.session_state.get(SESSION_KEY))


def allows(actor: Actor | None, action: str) -> bool:
    """Whether the page offers ``action``'s controls to ``actor`` (the package checks again)."""
    return actor is not None and permissions.allows(actor, action)


def admin_visible() -> bool:
    """Whether the navigation lists the Admin page: for admins, or anyone in single-user mode
    (not in read-only mode). False while the database is busy."""
    try:
        return allows(signed_in(), "view_audit")
    except page_state.DatabaseBusy:
        return False


def _sign_out() -> None:
    st.session_state.pop(SESSION_KEY, None)


def _sign_in_form() -> None:
    st.info(SIGN_IN_NOTE)
    with st.form("sign_in"):
        name = st.text_input("User name", key="auth_name")
        password = st.text_input("Password", type="password", key="auth_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        actor = users.sign_in(name, password)
        if actor is None:
            st.error(WRONG_PASSWORD)
        else:
            st.session_state[SESSION_KEY] = actor
            st.rerun()


def gate() -> Actor:
    """Call at the top of every page (after ``database_or_stop``): the acting user, or the
    sign-in form and the page stops. Draws who is signed in (or the mode) in the sidebar."""
    actor = signed_in()
    read_only = permissions.read_only()
    if actor is None:
        st.session_state.pop(SESSION_KEY, None)
        if read_only:
            st.sidebar.caption(READ_ONLY_NOTE)
        _sign_in_form()
        st.stop()
    with st.sidebar:
        if actor.via == "web":
            st.session_state[SESSION_KEY] = actor
            st.markdown(f"Signed in as **{text.md_escape(actor.name)}** ({actor.role.value})")
            st.button("Sign out", key="auth_sign_out", on_click=_sign_out)
        if read_only:
            st.caption(READ_ONLY_NOTE)
        elif actor.via == "local":
            st.caption(SINGLE_USER_NOTE)
    return actor


def not_allowed(actor: Actor, action: str) -> str:
    """Why a control is not offered: "Your role (viewer) cannot import files." """
    what = permissions.ACTIONS[action]
    if permissions.read_only():
        return f"This ConflictMap is read-only: no one can {what} here."
    return f"Your role ({actor.role.value}) cannot {what}; ask an admin."

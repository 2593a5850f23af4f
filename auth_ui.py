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
from conflictmap.i18n import N_, _
from conflictmap.permissions import Actor

SESSION_KEY = "cm_actor"
SINGLE_USER_NOTE = N_(
    "Single-user mode: anyone who opens this page can import and delete; add users with "
    "`conflictmap users add`"
)
READ_ONLY_NOTE = N_(
    "Read-only: this ConflictMap shows its data; nothing can be imported, edited or deleted here."
)
SIGN_IN_NOTE = N_("Sign in to use ConflictMap.")
WRONG_PASSWORD = N_("Wrong user name or password.")
# the roles (stored values: conflictmap.permissions.ROLES) as shown
ROLE_LABELS = {"viewer": N_("viewer"), "editor": N_("editor"), "admin": N_("admin")}


def role_label(role: str) -> str:
    """A role as shown in the current language (the stored value stays English)."""
    label = ROLE_LABELS.get(role)
    return _(label) if label else role


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
    st.info(_(SIGN_IN_NOTE))
    with st.form("sign_in"):
        name = st.text_input(_("User name"), key="auth_name")
        password = st.text_input(_("Password"), type="password", key="auth_password")
        submitted = st.form_submit_button(_("Sign in"), type="primary")
    if submitted:
        try:
            actor = users.sign_in(name, password)
        except users.SignInLocked as locked:
            st.error(locked.message())
            return
        if actor is None:
            st.error(_(WRONG_PASSWORD))
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
            st.sidebar.caption(_(READ_ONLY_NOTE))
        _sign_in_form()
        st.stop()
    with st.sidebar:
        if actor.via == "web":
            st.session_state[SESSION_KEY] = actor
            role = role_label(actor.role.value)  # a permissions.Role, as shown
            st.markdown(
                _("Signed in as **{name}** ({role})").format(
                    name=text.md_escape(actor.name), role=role
                )
            )
            st.button(_("Sign out"), key="auth_sign_out", on_click=_sign_out)
        if read_only:
            st.caption(_(READ_ONLY_NOTE))
        elif actor.via == "local":
            st.caption(_(SINGLE_USER_NOTE))
    return actor


def not_allowed(actor: Actor, action: str) -> str:
    """Why a control is not offered: "Your role (viewer) cannot import files." """
    what = _(permissions.ACTIONS[action])
    if permissions.read_only():
        return _("This ConflictMap is read-only: no one can {what} here.").format(what=what)
    return _("Your role ({role}) cannot {what}; ask an admin.").format(
        role=role_label(actor.role.value), what=what
    )

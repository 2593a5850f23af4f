"""Admin page: the audit trail (filterable), deleted datasets (restore or purge) and the users.

Listed in the navigation for admins, and for anyone in single-user mode; the package checks the
role again on every action (conflictmap.permissions).
"""

from __future__ import annotations

import streamlit as st

import auth_ui
import filters_ui as ui
from conflictmap import audit, data_admin, permissions, text, users

st.set_page_config(page_title=f"Admin — {text.PAGE_TITLE}", layout="wide")
st.title("Admin")

ui.database_or_stop()
actor = auth_ui.gate()
if not auth_ui.allows(actor, "view_audit"):
    st.error(auth_ui.not_allowed(actor, "view_audit"))
    st.stop()

tab_trail, tab_deleted, tab_users = st.tabs(["Audit trail", "Deleted datasets", "Users"])

# ---- the audit trail --------------------------------------------------------------------------
with tab_trail:
    st.caption(
        "Every import, added incident, actor mapping, territory edit, deletion, restore, purge "
        "and change of users: who, when (UTC) and what."
    )
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    actions = c1.multiselect(
        "Actions",
        list(audit.ACTIONS),
        key="adm_actions",
        format_func=audit.action_label,
        placeholder="All actions",
    )
    who = c2.selectbox(
        "Who", audit.people(), index=None, key="adm_who", placeholder="Everyone"
    )
    dataset = c3.text_input("Dataset contains", key="adm_dataset")
    days = c4.date_input("Days", value=(), key="adm_days", format="YYYY-MM-DD")
    picked = list(days) if isinstance(days, (list, tuple)) else [days]
    trail = audit.trail(
        actor=actor,
        actions=actions,
        who=who,
        dataset=dataset,
        since=picked[0] if picked else None,
        until=picked[-1] if picked else None,
    )
    st.caption(f"{len(trail):,} entries, newest first (at most {audit.TRAIL_LIMIT:,})")
    st.dataframe(
        audit.readable(trail),
        hide_index=True,
        width="stretch",
        key="adm_trail",
        column_config={
            "logged_at": st.column_config.DatetimeColumn("when (UTC)", format="YYYY-MM-DD HH:mm:ss"),
            "file_sha256": "file SHA-256",
        },
    )

# ---- deleted datasets -------------------------------------------------------------------------
with tab_deleted:
    deleted = data_admin.deleted_datasets()
    st.caption(
        "A deleted dataset's incidents are hidden from every page, figure and export, and kept "
        "here until an admin restores them or purges them for good."
    )
    if deleted.empty:
        st.write("No deleted datasets.")
    else:
        st.dataframe(deleted, hide_index=True, key="adm_deleted_table")
        if auth_ui.allows(actor, "restore_dataset"):
            chosen = st.selectbox(
                "Deleted dataset",
                list(deleted["dataset"]),
                index=None,
                key="adm_trash_pick",
                placeholder="Choose a dataset",
            )
            if chosen:
                if st.button("Restore", key="adm_restore", type="primary"):
                    done = data_admin.restore_dataset(chosen, actor=actor)
                    st.session_state["adm_message"] = text.md_escape(
                        f"Restored {done.restored:,} incidents of “{chosen}”"
                        + (f" ({done.skipped:,} were stored again meanwhile)." if done.skipped else ".")
                    )
                    st.rerun()
                confirm = st.text_input(
                    f"Type “{text.md_escape(chosen)}” to purge it for good (no undo)",
                    key="adm_purge_confirm",
                )
                if st.button("Purge for good", disabled=confirm != chosen, key="adm_purge"):
                    n = data_admin.purge_dataset(chosen, actor=actor)
                    st.session_state["adm_message"] = text.md_escape(
                        f"Purged {n:,} incidents of “{chosen}”."
                    )
                    st.rerun()
    message = st.session_state.pop("adm_message", None)
    if message:
        st.success(message)

# ---- users ------------------------------------------------------------------------------------
with tab_users:
    people = users.listing()
    if people.empty:
        st.write(auth_ui.SINGLE_USER_NOTE)
        st.caption("The first user must be an admin; once there is one, every page asks to sign in.")
    else:
        st.dataframe(people, hide_index=True, key="adm_users_table")
    if auth_ui.allows(actor, "manage_users"):
        with st.form("adm_add_user", clear_on_submit=True):
            st.markdown("**Add a user**")
            c1, c2, c3 = st.columns(3)
            new_name = c1.text_input("User name", key="adm_new_name")
            new_role = c2.selectbox("Role", permissions.ROLES, key="adm_new_role")
            new_password = c3.text_input("Password", type="password", key="adm_new_password")
            if st.form_submit_button("Add user"):
                try:
                    added = users.add(new_name, new_role, new_password, actor=actor)
                except users.UserError as exc:
                    st.error(text.md_escape(str(exc)))
                else:
                    st.success(text.md_escape(f"Added {added.name} ({added.role.value})."))
        if not people.empty:
            c1, c2, c3 = st.columns([2, 2, 1])
            person = c1.selectbox("User", list(people["name"]), key="adm_user_pick")
            role = c2.selectbox("New role", permissions.ROLES, key="adm_user_role")
            if c3.button("Change role", key="adm_user_role_go"):
                try:
                    users.set_role(person, role, actor=actor)
                except users.UserError as exc:
                    st.error(text.md_escape(str(exc)))
                else:
                    st.rerun()
            if c3.button("Remove user", key="adm_user_remove"):
                try:
                    users.remove(person, actor=actor)
                except users.UserError as exc:
                    st.error(text.md_escape(str(exc)))
                else:
                    st.rerun()

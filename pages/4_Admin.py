"""Admin page: the audit trail (filterable), deleted datasets (restore or purge) and the users.

Listed in the navigation for admins, and for anyone in single-user mode; the package checks the
role again on every action (conflictmap.permissions).
"""

from __future__ import annotations

import streamlit as st

import auth_ui
import filters_ui as ui
from conflictmap import audit, data_admin, i18n, permissions, table_format, text, users
from conflictmap.i18n import _, ngettext

ui.apply_language()  # the link's or the session's language, before any text is shown
st.set_page_config(page_title=_("Admin") + " — " + _(text.PAGE_TITLE), layout="wide")
st.title(_("Admin"))

ui.database_or_stop()
actor = auth_ui.gate()
if not auth_ui.allows(actor, "view_audit"):
    st.error(auth_ui.not_allowed(actor, "view_audit"))
    st.stop()

tab_trail, tab_deleted, tab_users = st.tabs([_("Audit trail"), _("Deleted datasets"), _("Users")])

# ---- the audit trail --------------------------------------------------------------------------
with tab_trail:
    st.caption(
        _(
            "Every import, added incident, actor mapping, territory edit, deletion, restore, "
            "purge and change of users: who, when (UTC) and what."
        )
    )
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    actions = c1.multiselect(
        _("Actions"),
        list(audit.ACTIONS),
        key="adm_actions",
        format_func=audit.action_label,
        placeholder=_("All actions"),
    )
    who = c2.selectbox(
        _("Who"), audit.people(), index=None, key="adm_who", placeholder=_("Everyone")
    )
    dataset = c3.text_input(_("Dataset contains"), key="adm_dataset")
    days = c4.date_input(_("Days"), value=(), key="adm_days", format="YYYY-MM-DD")
    picked = list(days) if isinstance(days, (list, tuple)) else [days]
    trail = audit.trail(
        actor=actor,
        actions=actions,
        who=who,
        dataset=dataset,
        since=picked[0] if picked else None,
        until=picked[-1] if picked else None,
    )
    st.caption(
        ngettext(
            "{n} entry, newest first (at most {limit})",
            "{n} entries, newest first (at most {limit})",
            len(trail),
        ).format(n=i18n.number(len(trail)), limit=i18n.number(audit.TRAIL_LIMIT))
    )
    st.dataframe(
        table_format.readable(audit.readable(trail)),  # 1.234 in Spanish, up to 5,000 rows
        hide_index=True,
        width="stretch",
        key="adm_trail",
        column_config={
            "logged_at": st.column_config.DatetimeColumn(
                _("when (UTC)"), format="YYYY-MM-DD HH:mm:ss"
            ),
            "who": _("who"),
            "role": _("role"),
            "via": _("via"),
            "action": _("action"),
            "dataset": _("dataset"),
            "rows": _("rows"),
            "file": _("file"),
            "file_sha256": _("file SHA-256"),
            "detail": _("detail"),
        },
    )

# ---- deleted datasets -------------------------------------------------------------------------
with tab_deleted:
    deleted = data_admin.deleted_datasets()
    st.caption(
        _(
            "A deleted dataset's incidents are hidden from every page, figure and export, and "
            "kept here until an admin restores them or purges them for good."
        )
    )
    if deleted.empty:
        st.write(_("No deleted datasets."))
    else:
        st.dataframe(
            table_format.readable(deleted),  # incidents written 1.234 in Spanish
            hide_index=True,
            key="adm_deleted_table",
            column_config={
                "dataset": _("dataset"),
                "incidents": _("incidents"),
                "deleted_at": _("deleted at (UTC)"),
                "deleted_by": _("deleted by"),
            },
        )
        if auth_ui.allows(actor, "restore_dataset"):
            chosen = st.selectbox(
                _("Deleted dataset"),
                list(deleted["dataset"]),
                index=None,
                key="adm_trash_pick",
                placeholder=_("Choose a dataset"),
            )
            if chosen:
                if st.button(_("Restore"), key="adm_restore", type="primary"):
                    done = data_admin.restore_dataset(chosen, actor=actor)
                    st.session_state["adm_message"] = text.md_escape(
                        (
                            _(
                                "Restored {n} incidents of “{dataset}” ({skipped} were stored "
                                "again meanwhile)."
                            )
                            if done.skipped
                            else _("Restored {n} incidents of “{dataset}”.")
                        ).format(
                            n=i18n.number(done.restored),
                            dataset=chosen,
                            skipped=i18n.number(done.skipped),
                        )
                    )
                    st.rerun()
                confirm = st.text_input(
                    _("Type “{dataset}” to purge it for good (no undo)").format(
                        dataset=text.md_escape(chosen)
                    ),
                    key="adm_purge_confirm",
                )
                if st.button(_("Purge for good"), disabled=confirm != chosen, key="adm_purge"):
                    n = data_admin.purge_dataset(chosen, actor=actor)
                    st.session_state["adm_message"] = text.md_escape(
                        _("Purged {n} incidents of “{dataset}”.").format(
                            n=i18n.number(n), dataset=chosen
                        )
                    )
                    st.rerun()
    message = st.session_state.pop("adm_message", None)
    if message:
        st.success(message)

# ---- users ------------------------------------------------------------------------------------
with tab_users:
    people = users.listing()
    if people.empty:
        st.write(_(auth_ui.SINGLE_USER_NOTE))
        st.caption(
            _("The first user must be an admin; once there is one, every page asks to sign in.")
        )
    else:
        st.dataframe(
            people.assign(role=[auth_ui.role_label(r) for r in people["role"]]),
            hide_index=True,
            key="adm_users_table",
            column_config={
                "name": _("name"),
                "role": _("role"),
                "created_at": _("created (UTC)"),
                "changed_at": _("changed (UTC)"),
            },
        )
    if auth_ui.allows(actor, "manage_users"):
        with st.form("adm_add_user", clear_on_submit=True):
            st.markdown("**" + _("Add a user") + "**")
            c1, c2, c3 = st.columns(3)
            new_name = c1.text_input(_("User name"), key="adm_new_name")
            new_role = c2.selectbox(
                _("Role"), permissions.ROLES, key="adm_new_role", format_func=auth_ui.role_label
            )
            new_password = c3.text_input(_("Password"), type="password", key="adm_new_password")
            if st.form_submit_button(_("Add user")):
                try:
                    added = users.add(new_name, new_role, new_password, actor=actor)
                except users.UserError as exc:
                    st.error(text.md_escape(str(exc)))
                else:
                    st.success(
                        text.md_escape(
                            _("Added {name} ({role}).").format(
                                name=added.name, role=auth_ui.role_label(added.role.value)
                            )
                        )
                    )
        if not people.empty:
            c1, c2, c3 = st.columns([2, 2, 1])
            person = c1.selectbox(_("User"), list(people["name"]), key="adm_user_pick")
            role = c2.selectbox(
                _("New role"), permissions.ROLES, key="adm_user_role", format_func=auth_ui.role_label
            )
            if c3.button(_("Change role"), key="adm_user_role_go"):
                try:
                    users.set_role(person, role, actor=actor)
                except users.UserError as exc:
                    st.error(text.md_escape(str(exc)))
                else:
                    st.rerun()
            if c3.button(_("Remove user"), key="adm_user_remove"):
                try:
                    users.remove(person, actor=actor)
                except users.UserError as exc:
                    st.error(text.md_escape(str(exc)))
                else:
                    st.rerun()

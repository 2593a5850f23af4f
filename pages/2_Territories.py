"""Territories page: the claims table (edit in place with validation), import, delete, export."""

from __future__ import annotations

from datetime import date

import streamlit as st

import auth_ui
import filters_ui as ui
from conflictmap import i18n, text
from conflictmap import territory_editor as editor
from conflictmap.i18n import _, ngettext
from conflictmap.schema import EARLIEST

ui.apply_language()  # the link's or the session's language, before any text is shown
st.set_page_config(page_title=_("Territories") + " — " + _(text.PAGE_TITLE), layout="wide")
st.title(_("Armed-group territories"))
st.write(_(text.TERRITORIES_HELP))

geo = ui.geography_or_stop()
ui.database_or_stop()
actor = auth_ui.gate()  # the acting user: saving and importing pass it to the package
can_edit = auth_ui.allows(actor, "edit_territories")

tab_claims, tab_import, tab_export = st.tabs([_("Claims"), _("Import"), _("Export")])

with tab_claims:
    current = editor.editor_table()
    if editor.has_demo_claims(current):
        st.warning(_(text.DEMO_TERRITORIES), icon="⚠️")
    st.caption(
        _("{n} claims.").format(n=i18n.number(len(current)))
        + " "
        + (
            _(
                "Edit cells, add rows at the bottom, or select rows and delete them; then save. "
                "Every row is checked as an import would be."
            )
            if can_edit
            else auth_ui.not_allowed(actor, "edit_territories")
        )
    )
    st.data_editor(
        current,
        key="claims_editor",
        num_rows="dynamic" if can_edit else "fixed",
        hide_index=True,
        width="stretch",
        disabled=["claim_id"] if can_edit else True,
        column_config={
            "claim_id": st.column_config.NumberColumn("id"),
            "group_name": st.column_config.TextColumn(
                _("group"), help=_("Any alias: AGC = Clan del Golfo")
            ),
            "muni_code": st.column_config.TextColumn(
                _("municipality"), help=_("DANE code or name")
            ),
            "valid_from": st.column_config.DateColumn(_("valid from"), format="YYYY-MM-DD"),
            "valid_to": st.column_config.DateColumn(
                _("valid to (empty: open)"), format="YYYY-MM-DD"
            ),
            # the stored levels (an import also reads the Spanish names)
            "level": st.column_config.SelectboxColumn(
                _("level"),
                options=list(editor.LEVELS),
                help=_("recurrent, occasional or transit"),
            ),
            "source": st.column_config.TextColumn(_("source")),
            "dataset": st.column_config.TextColumn(_("dataset")),
        },
    )
    if can_edit and st.button(_("Save changes"), type="primary", key="claims_save"):
        # the editor's own record of what changed: edited_rows, added_rows, deleted_rows
        saved = editor.save_edits(
            current, st.session_state.get("claims_editor"), geo=geo, actor=actor
        )
        if saved.saved:
            st.success(saved.message)
            st.rerun()
        else:
            st.error(saved.message)
            st.dataframe(saved.reject_table(), hide_index=True)


def import_tab() -> None:
    st.write(_(text.TERRITORY_IMPORT_HELP))
    upload = st.file_uploader(_("Claims file"), type=["csv", "geojson", "json"], key="terr_upload")
    dataset = st.text_input(
        _("Dataset name"),
        key="terr_dataset",
        value=editor.default_dataset(upload.name if upload else None),
    )
    report = st.session_state.pop("terr_report", None)
    if upload is not None and st.button(_("Import claims"), type="primary", key="terr_import"):
        try:
            report = editor.import_upload(upload, upload.name, dataset, geo=geo, actor=actor)
        except editor.TerritoryError as exc:
            st.error(_("{problem}. Nothing was imported.").format(problem=text.md_escape(str(exc))))
            report = None
        if report is not None:  # show it after a rerun, so the Claims tab includes the import
            st.session_state["terr_report"] = report
            st.rerun()
    if report is not None:
        st.success(editor.import_summary(report))
        if report.rejects:
            st.dataframe(editor.import_reject_table(report), hide_index=True)
        note = editor.unknown_group_note(report)
        if note:
            st.info(note)


with tab_import:
    if can_edit:
        import_tab()
    else:
        st.info(auth_ui.not_allowed(actor, "edit_territories"))

with tab_export:
    chosen = st.multiselect(_("Groups (empty: all)"), editor.export_groups(), key="export_groups")
    col1, col2 = st.columns(2)
    bounds = {"min_value": EARLIEST, "max_value": date.today(), "format": "YYYY-MM-DD"}
    start = col1.date_input(_("Valid from"), value=None, key="export_from", **bounds)
    end = col2.date_input(_("Valid to"), value=None, key="export_to", **bounds)
    export = editor.export_geojson(start, end, chosen, geo=geo)
    st.caption(
        ngettext("{n} feature", "{n} features", export.features).format(
            n=i18n.number(export.features)
        )
    )
    st.download_button(
        _("Download GeoJSON"),
        export.content,
        file_name=export.file_name,
        mime=export.mime,
        key="export_dl",
    )

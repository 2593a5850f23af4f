"""Data page: import files with a validation report, add one incident, manage datasets."""

from __future__ import annotations

from datetime import date

import streamlit as st
from streamlit_folium import st_folium

import auth_ui
import filters_ui as ui
from conflictmap import data_admin, i18n, ingest, layout_form, source_terms, table_format, text
from conflictmap.filters import EARLIEST
from conflictmap.i18n import _, ngettext
from conflictmap.mapping import pick_map
from conflictmap.schema import DATE_PRECISIONS, EVENT_TYPES

ui.apply_language()  # the link's or the session's language, before any text is shown
st.set_page_config(page_title=_("Data") + " — " + _(text.PAGE_TITLE), layout="wide")
st.title(_("Data"))

geo = ui.geography_or_stop()
ui.database_or_stop()
actor = auth_ui.gate()  # the acting user: every write below passes it to the package


def show_report(report: ingest.ImportReport, *, done: bool) -> None:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(_("Rows read"), i18n.number(report.read))
    c2.metric(_("Inserted") if done else _("Would be inserted"), i18n.number(report.inserted))
    c3.metric(_("Duplicates (already stored)"), i18n.number(report.duplicates))
    c4.metric(_("Rejected"), i18n.number(report.rejected))
    for warning in data_admin.report_warnings(report):
        st.info(warning)
    caption = data_admin.report_caption(report)
    if caption:
        st.caption(caption)
        st.dataframe(
            table_format.localized(report.table()),  # 1.234 in Spanish, sorted as numbers
            hide_index=True,
            width="stretch",
            key=f"report_{done}",
            column_config={
                "outcome": _("outcome"),
                "detail": _("detail"),
                "incidents": _("incidents"),
                "fatalities": _("fatalities"),
                "victims": _("victims"),
            },
        )
    actors = data_admin.report_actor_lines(report)
    if actors:
        st.caption(text.md_escape(actors[0]))
        if len(actors) > 1:
            with st.expander(
                _("Unresolved actor names ({n})").format(n=i18n.number(len(actors) - 1))
            ):
                st.markdown("\n".join(f"- {text.md_escape(line)}" for line in actors[1:]))


def file_error(exc: Exception) -> None:
    st.error(_("{problem}. Nothing was imported.").format(problem=text.md_escape(str(exc))))


tab_import, tab_add, tab_datasets = st.tabs(
    [_("Import a file"), _("Add an incident"), _("Datasets and actors")]
)


# ---- import a file ----------------------------------------------------------------------------
def import_tab() -> None:
    if not auth_ui.allows(actor, "import"):
        st.info(auth_ui.not_allowed(actor, "import"))
        return
    st.write(_(text.IMPORT_HELP))
    upload = st.file_uploader(
        _("File (CSV, TSV, Excel .xlsx, LibreOffice .ods)"),
        type=["csv", "txt", "tsv", "xlsx", "xls", "ods"],
        key="upload",
        help=ingest.limits_note(st.get_option("server.maxUploadSize")),
    )
    if upload is None:
        return
    if st.session_state.get("import_file_id") != upload.file_id:
        # a new file: forget the previous file's format, layout, sheet and dataset name
        st.session_state["import_file_id"] = upload.file_id
        for key in (
            "import_format",
            "import_dataset",
            "import_layout",
            "import_sheet",
            "layout_name",
            "const_event_type",
            "const_source",
        ):
            st.session_state.pop(key, None)
    try:
        found = data_admin.inspect_upload(upload, upload.name)
    except data_admin.FileError:
        mapped_import(upload)  # not native/ACLED/UCDP (or not a text CSV): map its columns
        return
    fmt = st.selectbox(
        _("Format"),
        list(ingest.FORMATS),
        index=list(ingest.FORMATS).index(found.detected),
        key="import_format",
        help=_("Detected from the header: {format}").format(format=found.detected),
    )
    dataset = st.text_input(_("Dataset name"), value=found.dataset, key="import_dataset")
    try:
        check = data_admin.check_upload(upload, upload.name, fmt=fmt, dataset=dataset)
    except data_admin.FileError as exc:
        check, problem = None, exc
    st.caption(found.preview_caption(check.read if check else None))
    st.dataframe(found.preview, hide_index=True)
    if check is None:
        file_error(problem)
        return
    validate_and_import(upload, check, dataset, found.rejects_file_name, found.columns, fmt=fmt)


def mapped_import(upload) -> None:  # noqa: ANN001 - Streamlit's UploadedFile
    """A spreadsheet of any shape: pick or make a layout, preview, save it, import."""
    sheet = st.session_state.get("import_sheet")
    try:
        table = data_admin.inspect_table(upload, upload.name, sheet=sheet)
    except data_admin.FileError as exc:
        file_error(exc)
        return
    st.caption(text.md_escape(_("Read as {what}").format(what=table.info.describe())))
    if len(table.info.sheets) > 1:
        st.selectbox(_("Sheet"), list(table.info.sheets), key="import_sheet")
    known = data_admin.known_layouts()
    options = layout_form.choices(table, known)
    choice = st.selectbox(
        _("Layout"),
        options,
        key="import_layout",
        format_func=lambda n: layout_form.choice_label(n, table),
        help=_(text.LAYOUT_HELP),
    )
    start = data_admin.layout_named(choice) if choice else table.proposal
    with st.expander(_("Columns of the file"), expanded=not choice):
        st.dataframe(
            layout_form.samples(table),
            hide_index=True,
            width="stretch",
            column_config={"Column": _("Column"), "Sample values": _("Sample values")},
        )
    with st.expander(_("Column mapping"), expanded=not choice):
        edited = st.data_editor(
            layout_form.rows(start, table.columns),
            hide_index=True,
            width="stretch",
            disabled=["field", "Field", "What it takes"],
            column_order=["Field", "Column", "Constant", "What it takes"],
            column_config={
                "Field": st.column_config.TextColumn(_("Field")),
                "What it takes": st.column_config.TextColumn(_("What it takes")),
                "Column": st.column_config.SelectboxColumn(
                    _("Column"), options=["", *table.columns]
                ),
                "Constant": st.column_config.TextColumn(_("Constant (whole file)")),
            },
            key=f"mapping_{table.fingerprint}_{choice}",
        )
        name = st.text_input(_("Layout name"), value=start.name, key="layout_name")
    layout = layout_form.layout_from(edited, start, table.columns, name)
    constants: dict[str, str] = {}
    missing = layout_form.missing_constants(layout)
    if "event_type" in missing:
        constants["event_type"] = st.selectbox(
            _("Event type of every row"), ["", *EVENT_TYPES], key="const_event_type",
            format_func=lambda t: text.event_type_label(t) if t else "",
        )
    if "source" in missing:
        constants["source"] = st.text_input(
            _("Source of every row (who published the file)"), key="const_source"
        )
    layout = layout_form.with_constants(layout, constants)
    problems = layout_form.problems(layout, table.columns)
    if problems:
        for problem in problems:
            st.warning(text.md_escape(problem))
        return
    preview = data_admin.preview_mapping(upload, upload.name, layout, sheet=sheet)
    st.subheader(_("Preview"))
    st.caption(
        _("The first {rows} rows as they would be stored ({stored} stored, {rejected} rejected)")
        .format(
            rows=i18n.number(preview.rows),
            stored=i18n.number(len(preview.records)),
            rejected=i18n.number(len(preview.rejects)),
        )
    )
    st.dataframe(layout_form.stored_rows(preview.records), hide_index=True, width="stretch")
    if preview.rejects:
        st.dataframe(
            [{"row": r.row, "reason": str(r.reason)} for r in preview.rejects],
            hide_index=True,
        )
    if (
        not layout.builtin
        and auth_ui.allows(actor, "save_layout")
        and st.button(_("Save this layout"), key="layout_save")
    ):
        try:
            saved = data_admin.save_layout(layout, table.columns, actor=actor)
        except data_admin.FileError as exc:
            st.error(text.md_escape(str(exc)))
        else:
            st.success(
                text.md_escape(
                    _(
                        "Saved the layout “{name}”: offered for files with this header, "
                        'and `conflictmap import FILE --layout "{name}"`.'
                    ).format(name=saved.name)
                )
            )
    dataset = st.text_input(
        _("Dataset name"), value=table.name.rsplit(".", 1)[0], key="import_dataset"
    )
    try:
        check = data_admin.check_upload(
            upload, upload.name, dataset=dataset, layout=layout, sheet=sheet
        )
    except data_admin.FileError as exc:
        file_error(exc)
        return
    validate_and_import(
        upload,
        check,
        dataset,
        f"{dataset}.rejects.csv",
        table.columns,
        layout=layout,
        sheet=sheet,
    )


def validate_and_import(  # noqa: PLR0913 - the import's settings, passed through
    upload,  # noqa: ANN001 - Streamlit's UploadedFile
    check: ingest.ImportReport,
    dataset: str,
    rejects_name: str,
    columns: list[str],
    *,
    fmt: str = "auto",
    layout: data_admin.Layout | None = None,
    sheet: str | None = None,
) -> None:
    st.subheader(_("Validation"))
    show_report(check, done=False)
    if check.rejects:
        st.dataframe(data_admin.reject_table(check), hide_index=True)
        st.download_button(
            _("Download the rejected rows (CSV)"),
            data_admin.rejects_csv(check, columns),
            file_name=rejects_name,
            mime="text/csv",
            key="rejects_dl",
        )
    if st.button(
        ngettext("Import {n} incident", "Import {n} incidents", check.inserted).format(
            n=i18n.number(check.inserted)
        ),
        type="primary",
        disabled=not data_admin.can_import(check, dataset),
        key="import_go",
    ):
        bar = st.progress(0.0, text=_("Importing…"))
        total = max(check.read, 1)
        report = data_admin.import_upload(
            upload,
            upload.name,
            fmt=fmt,
            dataset=dataset,
            layout=layout,
            sheet=sheet,
            actor=actor,
            progress=lambda n: bar.progress(
                min(n / total, 1.0),
                text=_("Imported {n} of {total} rows").format(
                    n=i18n.number(n), total=i18n.number(check.read)
                ),
            ),
        )
        bar.empty()
        st.success(data_admin.import_summary(report))
        show_report(report, done=True)
        if report.rejects_file:
            st.caption(
                _("Rejected rows saved to {file}").format(file=text.md_escape(report.rejects_file))
            )


with tab_import:
    import_tab()

# ---- add one incident -------------------------------------------------------------------------
def add_tab() -> None:
    picked = st.session_state.get("add_point")
    with st.expander(
        _("Pick the place on the map (optional: otherwise choose the municipality)"),
        expanded=picked is not None,
    ):
        result = st_folium(
            pick_map(geo, picked),
            key="add_map",
            height=420,
            use_container_width=True,
            returned_objects=["last_clicked"],
        )
        click = data_admin.clicked((result or {}).get("last_clicked"))
        if click and click != st.session_state.get("add_click_seen"):
            st.session_state.add_click_seen = click
            st.session_state.add_point = picked = click
        if picked:
            point = data_admin.locate(picked, geo)
            if point.inside:
                st.success(
                    _(
                        "Point {lat}, {lon} — in {place}. It places the incident exactly (the "
                        "municipality list below is then ignored)."
                    ).format(lat=point.lat, lon=point.lon, place=text.md_escape(point.place))
                )
            else:
                st.warning(
                    _("Point {lat}, {lon} is outside Colombia: pick again.").format(
                        lat=point.lat, lon=point.lon
                    )
                )
            if st.button(_("Clear the point"), key="add_clear_point"):
                st.session_state.pop("add_point", None)
                st.rerun()
    actor_names = data_admin.actor_names()
    with st.form("add_incident", clear_on_submit=False):
        c1, c2, c3 = st.columns(3)
        event_date = c1.date_input(
            _("Date"),
            value=date.today(),
            # every date the importer accepts (Streamlit's default minimum is 10 years back)
            min_value=EARLIEST,
            max_value=date.today(),
            format="YYYY-MM-DD",
            key="add_date",
        )
        precision = c2.selectbox(_("Date precision"), DATE_PRECISIONS, key="add_precision")
        kind = c3.selectbox(
            _("Event type"), list(EVENT_TYPES), key="add_type", format_func=text.event_type_label
        )
        sub_type = st.text_input(
            _("Sub-event type"),
            key="add_subtype",
            placeholder=_("e.g. Remote explosive/landmine/IED"),
        )
        c1, c2 = st.columns(2)
        actor1 = c1.selectbox(
            _("Actor 1"),
            actor_names,
            index=None,
            accept_new_options=True,
            key="add_actor1",
            placeholder=_("Choose or type a name"),
        )
        actor2 = c2.selectbox(
            _("Actor 2"),
            actor_names,
            index=None,
            accept_new_options=True,
            key="add_actor2",
            placeholder=_("Choose or type a name"),
        )
        place = st.selectbox(
            _("Municipality"),
            data_admin.municipality_choices(geo),
            index=None,
            key="add_muni",
            format_func=data_admin.municipality_label,
            placeholder=_("Type to search, e.g. Neiva"),
        )
        c1, c2 = st.columns(2)
        fatalities = c1.number_input(
            _("Fatalities"),
            min_value=0,
            step=1,
            value=None,
            key="add_fatalities",
            placeholder=_("unknown"),
        )
        location = c2.text_input(_("Location (village, road…)"), key="add_location")
        c1, c2 = st.columns(2)
        source = c1.text_input(_("Source (required)"), key="add_source")
        source_url = c2.text_input(_("Source URL (required, http/https)"), key="add_url")
        notes = st.text_area(_("Notes"), key="add_notes")
        submitted = st.form_submit_button(_("Save incident"), type="primary")
    if submitted:
        outcome = data_admin.save_incident(
            data_admin.IncidentForm(
                event_date=event_date,
                date_precision=precision,
                event_type=kind,
                sub_event_type=sub_type,
                actor1=actor1,
                actor2=actor2,
                municipality=place,
                point=picked,
                fatalities=fatalities,
                location=location,
                source=source,
                source_url=source_url,
                notes=notes,
            ),
            actor=actor,
        )
        if outcome.saved:
            st.success(text.md_escape(outcome.message))
            st.session_state.pop("add_point", None)
        elif outcome.kind == "duplicate":
            st.warning(text.md_escape(outcome.message))
        else:
            st.error(text.md_escape(outcome.message))


with tab_add:
    if auth_ui.allows(actor, "add_incident"):
        add_tab()
    else:
        st.info(auth_ui.not_allowed(actor, "add_incident"))

# ---- datasets and actors ----------------------------------------------------------------------
def matches_section(actor) -> None:  # noqa: ANN001 - the signed-in user (auth_ui)
    """Reports of the same event in several datasets: each counts once; confirm or split."""
    st.subheader(_("Same event in several datasets"))
    st.caption(
        _(
            "Reports of different datasets describing the same event are matched by date, place, "
            "event type, actors and fatalities, and counted once (the README's matching rules). "
            "Confirm a pair the rules missed or split one they got wrong: your decision is kept "
            "when the files are imported again."
        )
    )
    pairs = data_admin.matched_reports()
    if pairs.empty:
        st.write(_("No report is matched with another dataset's."))
    else:
        st.dataframe(
            pairs,
            hide_index=True,
            column_config={
                "event_id": _("Counted report"),
                "incident_id": _("Same event, not counted"),
                "dataset": _("Dataset"),
                "event_date": st.column_config.DateColumn(_("Date")),
                "fatalities": st.column_config.NumberColumn(_("Fatalities"), format="%d"),
                "score": st.column_config.NumberColumn(_("Score"), format="%d"),
                "explanation": _("Why"),
                "decision": _("Decision"),
            },
        )
    if not auth_ui.allows(actor, "decide_match"):
        return
    with st.form("decide_match"):
        st.markdown("**" + _("Confirm or split two reports") + "**")
        first = st.text_input(_("Report id"), key="match_a", placeholder="acled:COL30001")
        second = st.text_input(_("Other report id"), key="match_b", placeholder="ucdp:470001")
        decision = st.radio(
            _("They are"),
            ["confirmed", "split"],
            key="match_decision",
            format_func=lambda d: _("the same event") if d == "confirmed" else _("different events"),
            horizontal=True,
        )
        if st.form_submit_button(_("Save decision")):
            try:
                grouped = data_admin.decide_match(first.strip(), second.strip(), decision, actor=actor)
            except ValueError as exc:
                st.error(text.md_escape(str(exc)))
            else:
                st.success(
                    _("Saved. {n} reports are now grouped with another dataset's.").format(
                        n=i18n.number(grouped)
                    )
                )


def terms_section() -> None:
    """Each dataset's source terms (what exports may carry, its citation, the access date): a
    small form per dataset for editors."""
    all_terms = source_terms.all_terms()
    if not all_terms:
        return
    st.subheader(_("Source terms"))
    st.caption(
        _(
            "What exports may carry of each dataset: incident rows, aggregates only (counts per "
            "municipality and month; ACLED's terms), or nothing; and the citation with its access "
            "date that every export lists."
        )
    )
    can_edit = auth_ui.allows(actor, "edit_terms")
    for terms in all_terms:
        label = f"{terms.dataset} — {source_terms.redistribution_label(terms.redistribution)}"
        with st.expander(text.md_escape(label)):
            if not can_edit:
                st.caption(auth_ui.not_allowed(actor, "edit_terms"))
            with st.form(f"terms_{terms.dataset}"):
                st.caption(text.md_escape(f"{terms.terms_name} {terms.terms_url or ''}"))
                redistribution = st.radio(
                    _("Redistribution"),
                    source_terms.REDISTRIBUTION,
                    index=source_terms.REDISTRIBUTION.index(terms.redistribution),
                    format_func=source_terms.redistribution_label,
                    disabled=not can_edit,
                )
                accessed = st.date_input(
                    _("Access date"), value=terms.access_date, disabled=not can_edit
                )
                citation = st.text_area(
                    _("Citation"), value=terms.citation or "", disabled=not can_edit
                )
                if st.form_submit_button(_("Save terms"), disabled=not can_edit):
                    try:
                        source_terms.set_terms(
                            terms.dataset,
                            actor=actor,
                            redistribution=redistribution,
                            access_date=accessed if isinstance(accessed, date) else None,
                            citation=citation,
                        )
                    except (PermissionError, source_terms.TermsError) as exc:
                        st.error(text.md_escape(str(exc)))
                    else:
                        st.success(
                            _("Terms of “{dataset}” saved.").format(
                                dataset=text.md_escape(terms.dataset)
                            )
                        )


with tab_datasets:
    contents = data_admin.database_contents()
    sets = contents.datasets
    st.subheader(_("Datasets"))
    if sets.empty:
        st.write(_("The database is empty."))
    else:
        st.dataframe(sets, hide_index=True)
    if not sets.empty and auth_ui.allows(actor, "delete_dataset"):
        target = st.selectbox(
            _("Dataset to delete"),
            list(sets["dataset"]),
            index=None,
            key="delete_dataset",
            placeholder=_("Choose a dataset"),
        )
        if target:
            n = contents.incidents_in(target)
            confirm = st.text_input(
                _("Type “{dataset}” to confirm deleting its {n} incidents").format(
                    dataset=text.md_escape(target), n=i18n.number(n)
                ),
                key="delete_confirm",
            )
            if st.button(_("Delete dataset"), disabled=confirm != target, key="delete_go"):
                deleted = data_admin.delete_dataset(target, actor=actor)
                st.success(
                    _(
                        "Deleted {n} incidents of “{dataset}”. An admin can restore them on the "
                        "Admin page until they are purged."
                    ).format(n=i18n.number(deleted), dataset=text.md_escape(target))
                )
    terms_section()
    matches_section(actor)
    st.subheader(_("Actor names"))
    if contents.actor_summary is not None:
        st.write(text.md_escape(contents.actor_summary.sentence()))
    st.caption(_(text.UNKNOWN_ACTORS_HELP))
    if contents.unknown_actors.empty:
        st.write(_("Every actor name in the database is known to the registry."))
    else:
        st.dataframe(
            contents.unknown_actors,
            hide_index=True,
            column_config={
                "actor": _("Name as written"),
                "incidents": st.column_config.NumberColumn(_("Incidents"), format="%d"),
                "filed_under": _("Written under"),
            },
        )
    if not contents.unknown_actors.empty and auth_ui.allows(actor, "map_actor"):
        with st.form("map_actor"):
            st.markdown("**" + _("Map a name to a registry group or class") + "**")
            name = st.selectbox(_("Name"), contents.unknown_actors["actor"].tolist(), key="map_name")
            target = st.selectbox(
                _("Is"),
                data_admin.mapping_targets(),
                key="map_target",
                format_func=data_admin.target_label,
            )
            if st.form_submit_button(_("Map this name")):
                try:
                    mapped = data_admin.map_actor(name, target, actor=actor)
                except data_admin.MappingError as exc:
                    st.error(text.md_escape(str(exc)))
                else:
                    st.success(
                        text.md_escape(
                            _(
                                "“{written}” is now {target}: {n} stored incidents updated; "
                                "later imports too."
                            ).format(
                                written=mapped.written,
                                target=mapped.target,
                                n=i18n.number(mapped.incidents),
                            )
                        )
                    )
    mappings = contents.actor_mappings
    if mappings is not None and not mappings.empty:
        with st.expander(_("Hand mappings ({n})").format(n=i18n.number(len(mappings)))):
            st.dataframe(
                mappings,
                hide_index=True,
                column_config={
                    "written": _("Name"),
                    "target": _("Mapped to"),
                    "mapped_at": _("When"),
                },
            )
            if auth_ui.allows(actor, "map_actor"):
                gone = st.selectbox(
                    _("Forget the mapping of"), mappings["written"].tolist(), key="unmap"
                )
                if st.button(_("Forget mapping"), key="unmap_go"):
                    changed = data_admin.unmap_actor(gone, actor=actor)
                    st.success(
                        text.md_escape(
                            _("“{name}” is unresolved again ({n} incidents).").format(
                                name=gone, n=i18n.number(changed)
                            )
                        )
                    )

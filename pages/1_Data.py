"""Data page: import files with a validation report, add one incident, manage datasets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

import filters_ui as ui
from conflictmap import geodata, ingest, store, text
from conflictmap.actors import default_registry
from conflictmap.divipola import Gazetteer
from conflictmap.filters import EARLIEST
from conflictmap.importers import csvfile
from conflictmap.mapping import pick_map
from conflictmap.schema import DATE_PRECISIONS, EVENT_TYPES

st.set_page_config(page_title=f"Data — {text.PAGE_TITLE}", layout="wide")
st.title("Data")


@st.cache_resource(show_spinner="Loading boundaries…")
def boundaries() -> geodata.Boundaries:
    return geodata.load_boundaries()


@st.cache_resource
def gazetteer(sha: str) -> Gazetteer:
    return Gazetteer.from_boundaries(boundaries())


try:
    gaz = gazetteer(boundaries().source_sha256)
except geodata.GeodataError as exc:
    st.error(f"{text.NO_BOUNDARIES}\n\n{exc}")
    st.stop()
ui.database_or_stop()
registry = default_registry()


def show_report(report: ingest.ImportReport, *, done: bool) -> None:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Rows read", f"{report.read:,}")
    c2.metric("Inserted" if done else "Would be inserted", f"{report.inserted:,}")
    c3.metric("Duplicates (already stored)", f"{report.duplicates:,}")
    c4.metric("Rejected", f"{report.rejected:,}")
    for key, count in report.warnings.items():
        st.info(text.WARNINGS.get(key, key).format(n=count))
    if report.lines:
        totals = report.fatalities
        kept = totals["stored"] + totals["duplicate"] + totals["rejected"]
        st.caption(
            text.REPORT_CAPTION.format(
                read=totals["read"],
                stored=totals["stored"],
                duplicate=totals["duplicate"],
                rejected=totals["rejected"],
                check="✓" if kept == totals["read"] else "≠",
            )
        )
        st.dataframe(report.table(), hide_index=True, width="stretch", key=f"report_{done}")


tab_import, tab_add, tab_datasets = st.tabs(
    ["Import a file", "Add an incident", "Datasets and actors"]
)


# ---- import a file ----------------------------------------------------------------------------
def import_tab() -> None:
    st.write(text.IMPORT_HELP)
    upload = st.file_uploader("CSV file", type=["csv", "txt", "tsv"], key="upload")
    if upload is not None:
        name = upload.name
        try:
            frame = csvfile.read_text_table(csvfile.decode_bytes(upload.getvalue(), name), name)
            detected = ingest.detect_format(list(frame.columns), name)
        except csvfile.FileError as exc:
            st.error(f"{text.md_escape(str(exc))}. Nothing was imported.")
            return
        if st.session_state.get("import_file_id") != upload.file_id:
            # a new file: forget the previous file's format and dataset name
            st.session_state["import_file_id"] = upload.file_id
            st.session_state.pop("import_format", None)
            st.session_state.pop("import_dataset", None)
        fmt = st.selectbox(
            "Format",
            list(ingest.FORMATS),
            index=list(ingest.FORMATS).index(detected),
            key="import_format",
            help=f"Detected from the header: {detected}",
        )
        dataset = st.text_input("Dataset name", value=Path(name).stem, key="import_dataset")
        records, hxl = csvfile.drop_hxl_row(frame)
        st.caption(
            f"Preview of {len(records):,} rows (first 20)"
            + (text.HXL_NOTE if hxl else "")
        )
        st.dataframe(records.head(20), hide_index=True)
        try:
            check = ingest.check_frame(frame, name=name, fmt=fmt, dataset=dataset)
        except csvfile.FileError as exc:
            st.error(f"{text.md_escape(str(exc))}. Nothing was imported.")
            return
        st.subheader("Validation")
        show_report(check, done=False)
        if check.rejects:
            st.dataframe(
                [{"row": r.row, "reason": r.reason} for r in check.rejects[:1000]], hide_index=True
            )
            st.download_button(
                "Download the rejected rows (CSV)",
                ingest.rejects_csv(check.rejects, list(frame.columns)),
                file_name=f"{Path(name).stem}.rejects.csv",
                mime="text/csv",
                key="rejects_dl",
            )
        if st.button(
            f"Import {check.inserted:,} incidents",
            type="primary",
            disabled=check.inserted == 0 or not dataset.strip(),
            key="import_go",
        ):
            bar = st.progress(0.0, text="Importing…")
            report = ingest.import_frame(
                frame,
                name=name,
                fmt=fmt,
                dataset=dataset.strip(),
                progress=lambda n: bar.progress(
                    min(n / max(len(frame), 1), 1.0), text=f"Imported {n:,} of {len(frame):,} rows"
                ),
            )
            bar.empty()
            st.success(
                f"Imported {report.inserted:,} incidents into “{text.md_escape(dataset.strip())}”; "
                f"{report.duplicates:,} duplicates skipped, {report.rejected:,} rejected."
            )
            show_report(report, done=True)
            if report.rejects_file:
                st.caption(f"Rejected rows saved to {report.rejects_file}")


with tab_import:
    import_tab()

# ---- add one incident -------------------------------------------------------------------------
with tab_add:
    places = sorted(gaz.municipalities, key=lambda p: (p.muni_name or "", p.dept_name))
    picked = st.session_state.get("add_point")
    with st.expander("Pick the place on the map (optional: otherwise choose the municipality)",
                     expanded=picked is not None):
        clicked = st_folium(pick_map(boundaries(), picked), key="add_map", height=420,
                            use_container_width=True, returned_objects=["last_clicked"])
        last = (clicked or {}).get("last_clicked")
        if last and (last["lat"], last["lng"]) != st.session_state.get("add_click_seen"):
            st.session_state.add_click_seen = (last["lat"], last["lng"])
            st.session_state.add_point = picked = (round(last["lat"], 5), round(last["lng"], 5))
        if picked:
            dept_code, muni_code = (v[0] for v in geodata.assign_admin([picked[1]], [picked[0]]))
            if muni_code:
                place_text = gaz.municipality(muni_code).label
                st.success(f"Point {picked[0]}, {picked[1]} — in {place_text}. It places the "
                           "incident exactly (the municipality list below is then ignored).")
            else:
                st.warning(f"Point {picked[0]}, {picked[1]} is outside Colombia: pick again.")
            if st.button("Clear the point", key="add_clear_point"):
                st.session_state.pop("add_point", None)
                st.rerun()
    actor_names = registry.names()
    with st.form("add_incident", clear_on_submit=False):
        c1, c2, c3 = st.columns(3)
        event_date = c1.date_input(
            "Date",
            value=date.today(),
            # every date the importer accepts (Streamlit's default minimum is 10 years back)
            min_value=EARLIEST,
            max_value=date.today(),
            format="YYYY-MM-DD",
            key="add_date",
        )
        precision = c2.selectbox("Date precision", DATE_PRECISIONS, key="add_precision")
        kind = c3.selectbox("Event type", list(EVENT_TYPES), key="add_type")
        sub_type = st.text_input(
            "Sub-event type", key="add_subtype", placeholder="e.g. Remote explosive/landmine/IED"
        )
        c1, c2 = st.columns(2)
        actor1 = c1.selectbox(
            "Actor 1",
            actor_names,
            index=None,
            accept_new_options=True,
            key="add_actor1",
            placeholder="Choose or type a name",
        )
        actor2 = c2.selectbox(
            "Actor 2",
            actor_names,
            index=None,
            accept_new_options=True,
            key="add_actor2",
            placeholder="Choose or type a name",
        )
        place = st.selectbox(
            "Municipality",
            places,
            index=None,
            key="add_muni",
            format_func=lambda p: f"{p.muni_name}, {p.dept_name} ({p.muni_code})",
            placeholder="Type to search, e.g. Neiva",
        )
        c1, c2 = st.columns(2)
        fatalities = c1.number_input(
            "Fatalities",
            min_value=0,
            step=1,
            value=None,
            key="add_fatalities",
            placeholder="unknown",
        )
        location = c2.text_input("Location (village, road…)", key="add_location")
        c1, c2 = st.columns(2)
        source = c1.text_input("Source (required)", key="add_source")
        source_url = c2.text_input("Source URL (required, http/https)", key="add_url")
        notes = st.text_area("Notes", key="add_notes")
        submitted = st.form_submit_button("Save incident", type="primary")
    if submitted:
        report = ingest.add_incident(
            {
                "event_date": event_date.isoformat() if event_date else "",
                "date_precision": precision,
                "event_type": kind,
                "sub_event_type": sub_type,
                "actor1": actor1 or "",
                "actor2": actor2 or "",
                "municipality": "" if picked else (place.muni_code if place else ""),
                "latitude": picked[0] if picked else "",
                "longitude": picked[1] if picked else "",
                "geo_precision": "1" if picked else "",
                "fatalities": "" if fatalities is None else int(fatalities),
                "location": location,
                "source": source,
                "source_url": source_url,
                "notes": notes,
            }
        )
        if report.inserted:
            st.success(f"Saved in dataset “{ingest.MANUAL_DATASET}”. It is on the map now.")
            st.session_state.pop("add_point", None)
        elif report.duplicates:
            st.warning("An identical incident is already stored; nothing was added.")
        else:
            reason = report.rejects[0].reason if report.rejects else "unknown reason"
            st.error(f"Not saved: {reason}. Correct the form and save again.")

# ---- datasets and actors ----------------------------------------------------------------------
with tab_datasets:
    with store.connect(read_only=True) as con:
        sets = store.datasets(con)
        unknown = store.unknown_actors(con, set(registry.names()))
    st.subheader("Datasets")
    if sets.empty:
        st.write("The database is empty.")
    else:
        st.dataframe(sets, hide_index=True)
        target = st.selectbox(
            "Dataset to delete",
            list(sets["dataset"]),
            index=None,
            key="delete_dataset",
            placeholder="Choose a dataset",
        )
        if target:
            n = int(sets.loc[sets["dataset"] == target, "incidents"].iloc[0])
            confirm = st.text_input(
                f"Type “{text.md_escape(target)}” to confirm deleting its {n:,} incidents",
                key="delete_confirm",
            )
            if st.button("Delete dataset", disabled=confirm != target, key="delete_go"):
                with store.connect() as con:
                    deleted = store.delete_dataset(con, target)
                st.success(f"Deleted {deleted:,} incidents of “{text.md_escape(target)}”.")
    st.subheader("Actors not in the registry")
    st.caption(text.UNKNOWN_ACTORS_HELP)
    if unknown.empty:
        st.write("Every actor name in the database is known to the registry.")
    else:
        st.dataframe(unknown, hide_index=True)

"""Territories page: the claims table (edit in place with validation), import, delete, export."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

import filters_ui as ui
from conflictmap import geodata, store, territories, text
from conflictmap.schema import EARLIEST

st.set_page_config(page_title=f"Territories — {text.PAGE_TITLE}", layout="wide")
st.title("Armed-group territories")
st.write(text.TERRITORIES_HELP)

try:
    geodata.load_boundaries()
except geodata.GeodataError as exc:
    st.error(f"{text.NO_BOUNDARIES}\n\n{exc}")
    st.stop()
ui.database_or_stop()

EDIT_COLUMNS = [
    "claim_id",
    "group_name",
    "muni_code",
    "valid_from",
    "valid_to",
    "level",
    "source",
    "dataset",
]


def load_claims() -> pd.DataFrame:
    with store.connect(read_only=True) as con:
        frame = territories.claims(con)
    return frame[EDIT_COLUMNS] if not frame.empty else pd.DataFrame(columns=EDIT_COLUMNS)


tab_claims, tab_import, tab_export = st.tabs(["Claims", "Import", "Export"])

with tab_claims:
    current = load_claims()
    if any(str(d).startswith("synthetic") for d in current["dataset"]):
        st.warning(text.DEMO_TERRITORIES, icon="⚠️")
    st.caption(
        f"{len(current):,} claims. Edit cells, add rows at the bottom, or select rows and "
        "delete them; then save. Every row is checked as an import would be."
    )
    edited = st.data_editor(
        current,
        key="claims_editor",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        disabled=["claim_id"],
        column_config={
            "claim_id": st.column_config.NumberColumn("id"),
            "group_name": st.column_config.TextColumn(
                "group", help="Any alias: AGC = Clan del Golfo"
            ),
            "muni_code": st.column_config.TextColumn("municipality", help="DANE code or name"),
            "valid_from": st.column_config.DateColumn("valid from", format="YYYY-MM-DD"),
            "valid_to": st.column_config.DateColumn("valid to (empty: open)", format="YYYY-MM-DD"),
            "level": st.column_config.SelectboxColumn("level", options=list(territories.LEVELS)),
            "source": st.column_config.TextColumn("source"),
            "dataset": st.column_config.TextColumn("dataset"),
        },
    )
    if st.button("Save changes", type="primary", key="claims_save"):
        keep, new_rows = territories.diff_edits(current, edited)
        with store.connect() as con:
            inserted, rejects = territories.replace_claims(
                con, keep, new_rows, dataset=territories.MANUAL_DATASET
            )
        if rejects:
            st.error("Nothing was saved. Fix these rows and save again:")
            st.dataframe(
                [
                    {
                        "group": r.raw.get("group", ""),
                        "municipality": r.raw.get("municipality", ""),
                        "valid_from": r.raw.get("valid_from", ""),
                        "reason": r.reason,
                    }
                    for r in rejects
                ],
                hide_index=True,
            )
        else:
            removed = len(current) - len(keep)
            st.success(
                f"Saved: {inserted:,} claims added or changed, {removed:,} removed or replaced."
            )
            st.rerun()

with tab_import:
    st.write(text.TERRITORY_IMPORT_HELP)
    upload = st.file_uploader("Claims file", type=["csv", "geojson", "json"], key="terr_upload")
    dataset = st.text_input(
        "Dataset name", key="terr_dataset", value=Path(upload.name).stem if upload else ""
    )
    report = st.session_state.pop("terr_report", None)
    if upload is not None and st.button("Import claims", type="primary", key="terr_import"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / upload.name
            path.write_bytes(upload.getvalue())
            try:
                report = territories.import_claims(path, dataset=dataset.strip() or path.stem)
            except territories.TerritoryError as exc:
                st.error(f"{text.md_escape(str(exc))}. Nothing was imported.")
                report = None
        if report is not None:  # show it after a rerun, so the Claims tab includes the import
            st.session_state["terr_report"] = report
            st.rerun()
    if report is not None:
        st.success(
            f"Read {report.read:,}; inserted {report.inserted:,} claims, "
            f"{report.duplicates:,} duplicates, {report.rejected:,} rejected."
        )
        if report.rejects:
            st.dataframe(
                [{"row": r.row, "reason": r.reason} for r in report.rejects], hide_index=True
            )
        if report.warnings.get("unknown_group"):
            st.info(
                f"{report.warnings['unknown_group']:,} claims name a group the actor "
                "registry does not know; kept as written."
            )

with tab_export:
    with store.connect(read_only=True) as con:
        all_claims = territories.claims(con)
    groups = sorted(set(all_claims["group_name"])) if not all_claims.empty else []
    chosen = st.multiselect("Groups (empty: all)", groups, key="export_groups")
    col1, col2 = st.columns(2)
    bounds = {"min_value": EARLIEST, "max_value": date.today(), "format": "YYYY-MM-DD"}
    start = col1.date_input("Valid from", value=None, key="export_from", **bounds)
    end = col2.date_input("Valid to", value=None, key="export_to", **bounds)
    collection = territories.export_collection(start=start, end=end, groups=chosen or None)
    st.caption(f"{len(collection['features']):,} features")
    st.download_button(
        "Download GeoJSON",
        json.dumps(collection, ensure_ascii=False),
        file_name="territories.geojson",
        mime="application/geo+json",
        key="export_dl",
    )

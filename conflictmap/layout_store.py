"""Saved column layouts in the database (table ``layouts``, created with the others by
:mod:`conflictmap.store`), and finding the layout a caller names.

A saved layout is kept as its TOML text (:meth:`Layout.to_toml`) with the fingerprint of the
header it was made for, so :func:`detect` offers it again for a file with the same columns.
Built-in layouts (:func:`conflictmap.importers.layout.builtins`) are never stored: their names
are reserved.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime
from pathlib import Path

from conflictmap import dialect, store
from conflictmap.i18n import N_
from conflictmap.importers import layout as layouts
from conflictmap.importers.layout import Layout, LayoutError
from conflictmap.messages import Message

Db = str | os.PathLike[str] | None


def _has_table(con: dialect.Connection) -> bool:
    """Whether the database has the table (one written by an older version gets it from its
    next writing connection; reading it meanwhile shows no saved layouts)."""
    return bool(con.execute(dialect.table_exists_query(con), ["layouts"]).fetchall()[0][0])


def save(layout: Layout, *, db: Db = None, replace: bool = False) -> Layout:
    """Store a layout under its name (LayoutError if it is incomplete, its name is a
    built-in's, or a saved layout has that name and ``replace`` is false). Give it the header
    of the file it was made for (``layout.with_header(columns)``) so that :func:`detect`
    offers it for the next file with the same columns."""
    problems = layout.problems()
    if problems:
        raise LayoutError(layouts.layout_problems(layout.name, problems))
    if layouts.builtin(layout.name) is not None:
        raise LayoutError(
            Message(
                N_("'{name}' is the name of a built-in layout; save yours under another name"),
                name=layout.name,
            )
        )
    # the id prefix is fixed when saved: a layout renamed later still gives the same ids, so a
    # file imported again is recognised as duplicates
    saved = dataclasses.replace(layout, builtin=False, id_prefix=layout.prefix)
    with store.connect(db) as con, store.transaction(con):
        exists = con.execute(
            "SELECT count(*) FROM layouts WHERE name = ?", [saved.name]
        ).fetchall()[0][0]
        if exists and not replace:
            raise LayoutError(
                Message(
                    N_(
                        "a layout called '{name}' is already saved (replace it, or choose "
                        "another name)"
                    ),
                    name=saved.name,
                )
            )
        con.execute("DELETE FROM layouts WHERE name = ?", [saved.name])
        con.execute(
            "INSERT INTO layouts VALUES (?, ?, ?, ?)",
            [saved.name, saved.fingerprint, saved.to_toml(), datetime.now()],
        ).fetchall()
    return saved


def saved(*, db: Db = None) -> list[Layout]:
    """The saved layouts, most recently saved first."""
    with store.connect(db, read_only=True) as con:
        if not _has_table(con):
            return []
        rows = con.execute("SELECT name, spec FROM layouts ORDER BY saved_at DESC, name").fetchall()
    return [layouts.from_toml(spec, source=f"saved layout '{name}'") for name, spec in rows]


def listing(*, db: Db = None) -> list[dict[str, object]]:
    """Every layout a file can be read with: the saved ones, then the built-ins."""
    out: list[dict[str, object]] = []
    for layout in saved(db=db):
        out.append({"name": layout.name, "kind": "saved", "description": layout.description,
                    "fingerprint": layout.fingerprint})  # fmt: skip
    for layout in layouts.builtins():
        out.append({"name": layout.name, "kind": "built-in", "description": layout.description,
                    "match": list(layout.match)})  # fmt: skip
    return out


def get(name: str, *, db: Db = None) -> Layout:
    """The saved layout called ``name``, else the built-in one (LayoutError listing the known
    names otherwise)."""
    wanted = name.strip()
    for layout in saved(db=db):
        if layout.name == wanted:
            return layout
    found = layouts.builtin(wanted)
    if found is not None:
        return found
    known = [str(item["name"]) for item in listing(db=db)]
    raise LayoutError(
        Message(
            N_("no layout called '{name}' (known: {known})"),
            name=wanted,
            known=", ".join(known) or Message(N_("none")),
        )
    )


def delete(name: str, *, db: Db = None) -> bool:
    """Forget a saved layout; whether there was one."""
    with store.connect(db) as con, store.transaction(con):
        n = con.execute("DELETE FROM layouts WHERE name = ?", [name.strip()]).fetchall()[0][0]
    return bool(n)


def resolve(spec: Layout | str | os.PathLike[str], *, db: Db = None) -> Layout:
    """The layout a caller names: a :class:`Layout`; a TOML file (a path that exists or ends
    in .toml); or the name of a saved or built-in layout."""
    if isinstance(spec, Layout):
        return spec
    text = os.fspath(spec)
    path = Path(text)
    if text.lower().endswith(".toml") or path.is_file():
        return layouts.load_file(path)
    return get(text, db=db)


def detect(header: list[str], *, db: Db = None) -> Layout | None:
    """The layout for a file with this header: a saved one made for the same header, else a
    built-in that recognises it (see :func:`conflictmap.importers.layout.detect`)."""
    return layouts.detect(header, saved(db=db))


def import_toml(path: str | os.PathLike[str], *, db: Db = None, replace: bool = False) -> Layout:
    """Save the layout of a TOML file."""
    return save(layouts.load_file(path), db=db, replace=replace)


def export_toml(name: str, *, db: Db = None) -> str:
    """A saved or built-in layout as TOML text."""
    return get(name, db=db).to_toml()

"""Who may do what: roles, the actions each allows, and the server-side check every write makes.

Three roles, each allowing what the one before it does and more:

- **viewer**: look, filter and export;
- **editor**: also import files, add incidents, map actor names, save column layouts, edit and
  import territory claims, add and delete annotations, save watchlists;
- **admin**: also delete, restore and purge datasets, manage users and read the audit trail.

The acting person is an :class:`Actor`. Every package function that writes takes one (``actor=``)
and calls :func:`require` before it touches the database, so a role is enforced by the package
whatever the pages show or hide — a page hiding a button is a courtesy, not the rule:

- **users configured** (``conflictmap users add``): a signed-in user (``via="web"``) acts with the
  role the ``users`` table gives them *now* (a role changed or a user removed since they signed
  in takes effect at their next action); no actor, or the single-user actor, is refused;
- **no users**: ConflictMap is a local single-user tool: no actor means :data:`LOCAL`, an admin;
- **the command line** (``via="cli"``): whoever can run ``conflictmap`` on the database file can
  write it anyway, so the CLI acts as an admin named after the operating-system user;
- **read-only mode** (``CONFLICTMAP_READ_ONLY=1``, ``conflictmap serve --read-only``): every
  write is refused, for everyone, the command line included.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, replace
from enum import StrEnum

from conflictmap import settings
from conflictmap.i18n import N_, _


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"


ROLES = tuple(r.value for r in Role)

# action -> what it is, as a sentence part ("may not <what>")
ACTIONS = {
    "view": N_("look at the data"),
    "export": N_("export maps and data"),
    "import": N_("import files"),
    "add_incident": N_("add incidents"),
    "map_actor": N_("map actor names"),
    "decide_match": N_("confirm or split reports of the same event"),
    "save_layout": N_("save column layouts"),
    "edit_territories": N_("edit or import territory claims"),
    "annotate": N_("add or delete annotations"),
    "save_watchlist": N_("save or delete watchlists"),
    "edit_terms": N_("change a dataset's source terms"),
    "delete_dataset": N_("delete datasets"),
    "restore_dataset": N_("restore deleted datasets"),
    "purge_dataset": N_("purge deleted datasets"),
    "manage_users": N_("manage users"),
    "manage_database": N_("create, upgrade or copy the database"),
    "view_audit": N_("read the audit trail"),
}
READS = frozenset({"view", "export", "view_audit"})
WRITES = frozenset(ACTIONS) - READS

_VIEWER = frozenset({"view", "export"})
_EDITOR = _VIEWER | {
    "import",
    "add_incident",
    "map_actor",
    "decide_match",
    "save_layout",
    "edit_territories",
    "annotate",
    "edit_terms",
    "save_watchlist",
}
ALLOWED: dict[Role, frozenset[str]] = {
    Role.VIEWER: _VIEWER,
    Role.EDITOR: frozenset(_EDITOR),
    Role.ADMIN: frozenset(ACTIONS),
}

Db = str | os.PathLike[str] | None


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user (``via="web"``), the single-user mode's local person
    (``"local"``) or the command line's operator (``"cli"``)."""

    name: str
    role: Role
    via: str = "web"

    @property
    def label(self) -> str:
        """How the sidebar and the audit trail show them: "ana (editor)"."""
        return f"{self.name} ({self.role.value})"


LOCAL = Actor("local", Role.ADMIN, "local")  # no users configured: the one person at the screen


def cli_actor() -> Actor:
    """The command line's operator: an admin named after the operating-system user."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (some containers)
        name = "unknown"
    return Actor(name or "unknown", Role.ADMIN, "cli")


def role(value: str) -> Role:
    """A role from its name; ValueError naming the roles otherwise."""
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        raise ValueError(f"unknown role {value!r}: one of {', '.join(ROLES)}") from None


def read_only() -> bool:
    return settings.get().read_only


def allows(actor: Actor | None, action: str) -> bool:
    """Whether ``actor`` may do ``action`` now (what the pages show or hide; :func:`require` is
    the check that counts). ``None`` is the single-user mode's local person. In read-only mode
    no one writes, and without users no one reads the audit trail (anyone can open the page)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    actor = actor or LOCAL
    if read_only():
        if action in WRITES:
            return False
        if actor.via == "local":  # a public deployment: visitors are viewers
            return action in _VIEWER
    return action in ALLOWED[actor.role]


def require(actor: Actor | None, action: str, db: Db = None) -> Actor:
    """The server-side check of a write (or of reading the audit trail): the actor who acts,
    with their current role; PermissionError saying why otherwise."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    what = _(ACTIONS[action])  # the sentences below in the language of the page or command
    if action in WRITES and read_only():
        raise PermissionError(
            _("this ConflictMap is read-only ({env}): no one can {what}").format(
                env=settings.ENV_READ_ONLY, what=what
            )
        )
    from conflictmap import users  # users.py builds on this module

    if actor is None or actor.via == "local":
        if users.configured(db):
            raise PermissionError(_("users are configured: sign in to {what}").format(what=what))
        actor = LOCAL
        if read_only() and action not in _VIEWER:
            raise PermissionError(
                _("this ConflictMap is read-only: no one can {what} here").format(what=what)
            )
    elif actor.via == "web":
        current = users.get(actor.name, db)
        if current is None:
            raise PermissionError(
                _("the user {name} no longer exists: sign in again").format(name=repr(actor.name))
            )
        actor = replace(actor, role=current.role)
    if action not in ALLOWED[actor.role]:
        needed = next(r for r in Role if action in ALLOWED[r])
        raise PermissionError(
            _("{name} is a {role} and may not {what} (the {needed} role is needed)").format(
                name=actor.name, role=_(actor.role.value), what=what, needed=_(needed.value)
            )
        )
    return actor

"""Reading an actor registry file: every field, and the exact message of each malformed entry.

Each case kills one-line changes of the parser in conflictmap/actors.py (the mutation shard of
the module runs this file: docs/mutation/conflictmap.actors.md).
"""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from conflictmap.actors import Actor, ActorRegistry, DatedName, Lineage, Membership

CLASS_LIST = (
    "guerrilla, paramilitary, post_demobilisation, cartel, state, foreign, civilians, unidentified"
)


def load(tmp_path: Path, body: str) -> ActorRegistry:
    path = tmp_path / "actors.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return ActorRegistry.load(path)


def test_every_field_is_read_and_tidied(tmp_path: Path) -> None:
    reg = load(
        tmp_path,
        """
        [[actor]]
        name = " P "
        class = " guerrilla "
        aliases = [" Pe ", "", "Pee"]
        sources = ["S1", " "]
        note = "a   long\\n note"
        note_es = " una   nota "
        class_level = true

        [[actor]]
        name = "Q"
        class = "guerrilla"
        parents = ["P", { parent = " P ", valid_from = 2001-02-03, valid_to = "2002-03-04", source = " src ", note = " n  1 ", note_es = " m  1 " }]
        names = [{ name = " Old Q ", valid_from = 1990-01-01, valid_to = "1991-01-01", source = " s " }]
        predecessors = [{ group = " P ", note = " was  P ", source = " s2 ", note_es = " era  P " }]
        """,  # noqa: E501
    )
    assert reg.get("P") == Actor(
        name="P", actor_class="guerrilla", aliases=("Pe", "Pee"), sources=("S1",),
        note="a long note", note_es="una nota", class_level=True,
    )  # fmt: skip
    q = reg.get("Q")
    assert (q.name, q.actor_class, q.aliases, q.sources, q.note, q.note_es, q.class_level) == (
        "Q", "guerrilla", (), (), "", "", False
    )
    plain, dated = q.parents
    assert plain == Membership("P")
    assert (plain.valid_from, plain.valid_to, plain.source, plain.note, plain.note_es) == (
        None, None, "", "", ""
    )
    assert (dated.parent, dated.valid_from, dated.valid_to) == (
        "P", date(2001, 2, 3), date(2002, 3, 4)
    )
    assert (dated.source, dated.note, dated.note_es) == ("src", "n 1", "m 1")
    assert q.names == (DatedName("Old Q", date(1990, 1, 1), date(1991, 1, 1), "s"),)
    (lineage,) = q.predecessors
    assert (lineage.group, lineage.note, lineage.source, lineage.note_es) == (
        "P", "was P", "s2", "era P"
    )
    assert isinstance(lineage, Lineage)


ACTOR = '[[actor]]\nname = "X"\nclass = "guerrilla"\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "expected one or more [[actor]] tables"),
        ("actor = 5\n", "expected one or more [[actor]] tables"),
        ('[[actor]]\nclass = "guerrilla"\n', "actor #1 has no name"),
        (ACTOR + '[[actor]]\nname = " "\nclass = "guerrilla"\n', "actor #2 has no name"),
        ('[[actor]]\nname = 5\nclass = "guerrilla"\n', "actor #1 has no name"),
        ('[[actor]]\nname = "X"\nkind = "armed_group"\n',
         f"group 'X': 'kind' is replaced by 'class' (one of {CLASS_LIST})"),
        (ACTOR + 'zz = 1\nalias = ["Y"]\n', "group 'X': unknown field(s) ['alias', 'zz']"),
        ('[[actor]]\nname = "X"\n', "group 'X': 'class' is missing"),
        ('[[actor]]\nname = "X"\nclass = 5\n', "group 'X': 'class' is missing"),
        ('[[actor]]\nname = " X "\nclass = "gang"\n',
         f"group 'X': unknown class 'gang' (expected one of {CLASS_LIST})"),
        (ACTOR + 'class_level = "yes"\n', "group 'X': 'class_level' must be true or false"),
        (ACTOR + 'parents = "P"\n', "group 'X': 'parents' must be a list"),
        (ACTOR + "note = 5\n", "group 'X': 'note' must be a string"),
        (ACTOR + "note_es = 5\n", "group 'X': 'note_es' must be a string"),
        (ACTOR + 'aliases = "Y"\n', "group 'X': 'aliases' must be a list of strings"),
        (ACTOR + 'aliases = ["Y", 1]\n', "group 'X': 'aliases' must be a list of strings"),
        (ACTOR + 'sources = "S"\n', "group 'X': 'sources' must be a list of strings"),
        (ACTOR + "aliases = 5\n", "group 'X': 'aliases' must be a list of strings"),
        (ACTOR + "parents = [5]\n", "group 'X': each parent must be a table or a name"),
        (ACTOR + 'parents = [{ parent = "P", foo = 1 }]\n',
         "group 'X': unknown parent field(s) ['foo']"),
        (ACTOR + "parents = [{ valid_from = 2000-01-01 }]\n",
         "group 'X': a parent entry has no 'parent' name"),
        (ACTOR + 'parents = [{ parent = " " }]\n', "group 'X': a parent entry has no 'parent' name"),
        (ACTOR + 'parents = [{ parent = "P", valid_to = "soon" }]\n',
         "group 'X', parent 'P', valid_to: 'soon' is not a date (use YYYY-MM-DD)"),
        (ACTOR + 'parents = [{ parent = "P", valid_from = 5 }]\n',
         "group 'X', parent 'P', valid_from: 5 is not a date (use YYYY-MM-DD)"),
        (ACTOR + 'parents = [{ parent = "P", note = 5 }]\n',
         "group 'X', parent 'P': 'note' must be a string"),
        (ACTOR + 'parents = [{ parent = "P", note_es = 5 }]\n',
         "group 'X', parent 'P': 'note_es' must be a string"),
        (ACTOR + 'names = "Y"\n', "group 'X': 'names' must be a list"),
        (ACTOR + 'predecessors = "Y"\n', "group 'X': 'predecessors' must be a list"),
        (ACTOR + "names = [5]\n", "group 'X': each of its names must be a table"),
        (ACTOR + 'names = [{ name = "Y", foo = 1 }]\n',
         "group 'X': unknown names field(s) ['foo']"),
        (ACTOR + "names = [{ valid_from = 2000-01-01 }]\n", "group 'X': a dated name has no 'name'"),
        (ACTOR + 'names = [{ name = " " }]\n', "group 'X': a dated name has no 'name'"),
        (ACTOR + 'names = [{ name = "Y", valid_from = "x" }]\n',
         "group 'X', name 'Y', valid_from: 'x' is not a date (use YYYY-MM-DD)"),
        (ACTOR + 'names = [{ name = "Y", valid_to = "x" }]\n',
         "group 'X', name 'Y', valid_to: 'x' is not a date (use YYYY-MM-DD)"),
        (ACTOR + "predecessors = [5]\n", "group 'X': each of its predecessors must be a table"),
        (ACTOR + 'predecessors = [{ group = "P", x = 1 }]\n',
         "group 'X': unknown predecessors field(s) ['x']"),
        (ACTOR + 'predecessors = [{ note = "n" }]\n', "group 'X': a predecessor has no 'group'"),
        (ACTOR + 'predecessors = [{ group = " " }]\n', "group 'X': a predecessor has no 'group'"),
        (ACTOR + 'predecessors = [{ group = "P", note = 5 }]\n',
         "group 'X', predecessor 'P': 'note' must be a string"),
        (ACTOR + 'predecessors = [{ group = "P", note_es = 5 }]\n',
         "group 'X', predecessor 'P': 'note_es' must be a string"),
        (ACTOR + 'predecessors = [{ group = "P" }]\n',
         "group 'X': predecessor 'P' is not defined"),
        (ACTOR + 'parents = ["P"]\n', "group 'X': parent 'P' is not defined"),
        (ACTOR + 'names = [{ name = "Y", valid_from = 2000-01-01, valid_to = 2000-01-01 }]\n',
         "group 'X': name 'Y' has valid_from 2000-01-01 not before valid_to 2000-01-01"),
        (ACTOR + ACTOR, "group 'X' is defined twice"),
        (ACTOR + 'aliases = ["()"]\n', "group 'X': alias '()' is empty"),
    ],
)
def test_malformed_entries_are_named_exactly(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "actors.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        ActorRegistry.load(path)
    assert str(err.value) == f"{path}: {message}"


def test_dated_bounds_in_order(tmp_path: Path) -> None:
    body = """
        [[actor]]
        name = "P"
        class = "guerrilla"

        [[actor]]
        name = "Q"
        class = "guerrilla"
        parents = [{ parent = "P", valid_from = 2024-01-01, valid_to = 2024-01-01 }]
        """
    with pytest.raises(ValueError) as err:
        load(tmp_path, body)
    assert str(err.value).endswith(
        "group 'Q': membership in 'P' has valid_from 2024-01-01 not before valid_to 2024-01-01"
    )
    ok = load(tmp_path, body.replace("valid_to = 2024-01-01", "valid_to = 2024-01-02"))
    assert ok.get("Q").parents == (Membership("P", date(2024, 1, 1), date(2024, 1, 2)),)


# -- small helpers ---------------------------------------------------------------------------


def test_class_tokens() -> None:
    from conflictmap.actors import class_of_token, class_token

    assert class_token("paramilitary") == "class:paramilitary"
    with pytest.raises(KeyError):
        class_token("gang")
    assert class_of_token(" Class:Post-Demobilisation ") == "post_demobilisation"
    assert class_of_token("CLASS: state") == "state"
    assert class_of_token("class:paramilitary") == "paramilitary"
    for value in ("class:gang", "class:", "ELN", "", 5, None, "the class:state"):
        assert class_of_token(value) is None  # type: ignore[arg-type]


def test_class_label_in_both_languages() -> None:
    from conflictmap import i18n
    from conflictmap.actors import class_label

    with i18n.using("en"):
        assert class_label("paramilitary") == "All paramilitaries"
        assert class_label("state") == "All state forces"
    with i18n.using("es"):
        assert class_label("paramilitary") == "Todos los paramilitares"


def test_notes_in_a_language() -> None:
    both = [Membership("P", note="n", note_es="m"), Lineage("P", note="n", note_es="m"),
            Actor("P", "guerrilla", note="n", note_es="m")]  # fmt: skip
    for item in both:
        assert (item.note_in("es"), item.note_in("en")) == ("m", "n")
    english_only = [Membership("P", note="n"), Lineage("P", note="n"),
                    Actor("P", "guerrilla", note="n")]  # fmt: skip
    for item in english_only:
        assert (item.note_in("es"), item.note_in("en")) == ("n", "n")


D1, D2, D3, D4 = date(2001, 1, 1), date(2002, 1, 1), date(2003, 1, 1), date(2004, 1, 1)


@pytest.mark.parametrize(
    ("spans", "merged"),
    [
        ([], ()),
        ([(D3, D4), (D1, D2)], ((D1, D2), (D3, D4))),
        ([(D2, D3), (D1, D2)], ((D1, D3),)),  # touching
        ([(D1, D4), (D2, D3)], ((D1, D4),)),  # inside
        ([(D1, D3), (D2, D4)], ((D1, D4),)),  # overlapping
        ([(D2, D3), (None, D1)], ((None, D1), (D2, D3))),
        ([(None, D2), (D1, None)], ((None, None),)),
        ([(D1, None), (D2, D3)], ((D1, None),)),
        ([(D1, D2), (D2, None)], ((D1, None),)),
        ([(D3, D4), (None, None)], ((None, None),)),
    ],
)
def test_union_intervals(spans, merged) -> None:
    from conflictmap.actors import union_intervals

    assert union_intervals(spans) == merged


def test_expand_dated_intersects_nested_memberships() -> None:
    reg = ActorRegistry([
        Actor("A", "guerrilla"),
        Actor("B", "guerrilla", parents=(Membership("A", D1, D3),)),
        Actor("C", "guerrilla", parents=(Membership("B", D2, None),)),
        Actor("E", "guerrilla", parents=(Membership("B", None, D1),)),  # before B joined A
        Actor("F", "guerrilla", parents=(Membership("B", D3, D4),)),  # after B left A
    ])  # fmt: skip
    assert reg.expand_dated("A") == {"A": ((None, None),), "B": ((D1, D3),), "C": ((D2, D3),)}
    assert reg.expand_dated("B") == {
        "B": ((None, None),), "C": ((D2, None),), "E": ((None, D1),), "F": ((D3, D4),)
    }
    assert reg.expand_dated("nobody ") == {"nobody": ((None, None),)}


def test_lookups_of_unknown_names_say_which() -> None:
    reg = ActorRegistry([Actor("A", "guerrilla"), Actor("B", "state")])
    with pytest.raises(KeyError) as err:
        reg.get("Nobody")
    assert err.value.args == ("Nobody",)
    with pytest.raises(KeyError) as err:
        reg.by_class("gang")
    assert err.value.args == ("gang",)
    assert [a.name for a in reg] == ["A", "B"]
    assert reg.by_class("state") == ["B"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Police (2018-2022) Forces", "police forces"),  # a years qualifier anywhere
        ("Civilians (Colombia)", "civilians"),
        ("Frente Sur (FS) (Colombia)", "frente sur"),  # every trailing parenthetical
        ("(ELN)", "eln"),  # kept when it is all there is
        ("X (Y) (Z)", "x"),
    ],
)
def test_normalise_actor_qualifiers(raw: str, expected: str) -> None:
    from conflictmap.actors import normalise_actor

    assert normalise_actor(raw) == expected


def test_actor_keys_split_at_the_first_colon() -> None:
    from conflictmap.actors import actor_keys

    assert actor_keys("Clan del Golfo: Frente: Sur") == (
        "clan del golfo frente sur", "clan del golfo", "frente sur"
    )
    assert actor_keys("ELN: ELN") == ("eln eln", "eln")
    assert actor_keys("ELN:") == ("eln",)


@pytest.mark.parametrize(
    ("actors", "message"),
    [
        # the cycle does not pass through the first group walked
        ([Actor("X", "guerrilla", parents=(Membership("A"),)),
          Actor("A", "guerrilla", parents=(Membership("B"),)),
          Actor("B", "guerrilla", parents=(Membership("A"),))],
         "group 'A': membership cycle A -> B -> A"),
        # a group already walked (Y, from X) does not end the search
        ([Actor("X", "guerrilla", parents=(Membership("Y"),)), Actor("Y", "guerrilla"),
          Actor("Z", "guerrilla", parents=(Membership("W"),)),
          Actor("W", "guerrilla", parents=(Membership("Z"),))],
         "group 'Z': membership cycle Z -> W -> Z"),
        ([Actor("A", "guerrilla", parents=(Membership("B"),)),
          Actor("B", "guerrilla", parents=(Membership("C"),)),
          Actor("C", "guerrilla", parents=(Membership("A"),))],
         "group 'A': membership cycle A -> B -> C -> A"),
    ],
)  # fmt: skip
def test_membership_cycles_are_named(actors: list[Actor], message: str) -> None:
    with pytest.raises(ValueError) as err:
        ActorRegistry(actors)
    assert str(err.value) == message


def test_a_diamond_is_no_cycle() -> None:
    reg = ActorRegistry([
        Actor("A", "guerrilla", parents=(Membership("B"), Membership("C"))),
        Actor("B", "guerrilla", parents=(Membership("D"),)),
        Actor("C", "guerrilla", parents=(Membership("D"),)),
        Actor("D", "guerrilla"),
    ])  # fmt: skip
    assert reg.expand("D") == {"A", "B", "C", "D"}


def test_entries_without_optional_fields(tmp_path: Path) -> None:
    reg = load(
        tmp_path,
        """
        [[actor]]
        name = "P"
        class = "guerrilla"

        [[actor]]
        name = "Q"
        class = "guerrilla"
        parents = [{ parent = "P" }]
        names = [{ name = "Old Q" }]
        predecessors = [{ group = "P" }]
        """,
    )
    q = reg.get("Q")
    (parent,) = q.parents
    assert (parent.source, parent.note, parent.note_es) == ("", "", "")
    assert q.names == (DatedName("Old Q", None, None, ""),)
    (lineage,) = q.predecessors
    assert (lineage.source, lineage.note, lineage.note_es) == ("", "", "")


def test_more_malformed_entries(tmp_path: Path) -> None:
    path = tmp_path / "actors.toml"
    path.write_text("actor = [5]\n", encoding="utf-8")
    with pytest.raises(ValueError) as err:
        ActorRegistry.load(path)
    assert str(err.value) == f"{path}: actor #1 has no name"
    with pytest.raises(ValueError) as err:
        ActorRegistry([Actor(" ", "guerrilla")])
    assert str(err.value) == "a group has an empty name"
    from conflictmap.actors import class_token

    with pytest.raises(KeyError) as key_err:
        class_token("gang")
    assert key_err.value.args == ("gang",)


def test_union_keeps_merging_after_a_merge() -> None:
    from conflictmap.actors import union_intervals

    assert union_intervals([(D1, D2), (D1, D2), (D3, D4)]) == ((D1, D2), (D3, D4))


def test_expand_dated_skips_only_the_disjoint_member() -> None:
    reg = ActorRegistry([
        Actor("A", "guerrilla"),
        Actor("B", "guerrilla", parents=(Membership("A", D1, D3),)),
        Actor("E", "guerrilla", parents=(Membership("B", None, D1),)),  # before B joined A
        Actor("C", "guerrilla", parents=(Membership("B", D2, None),)),
    ])  # fmt: skip
    assert reg.expand_dated("A") == {"A": ((None, None),), "B": ((D1, D3),), "C": ((D2, D3),)}


def test_colon_names_split_at_the_first_colon() -> None:
    reg = ActorRegistry([
        Actor("ELN", "guerrilla"),
        Actor("Frente Sur", "guerrilla", parents=(Membership("ELN"),)),
    ])  # fmt: skip
    assert reg.canonical("ELN: Frente: Sur") == "Frente Sur"
    assert reg.faction_umbrella("ELN: Frente Sur") is None  # resolved: no unknown faction
    assert reg.faction_umbrella("ELN: Frente Norte") == "ELN"


def test_an_alias_with_a_colon_is_no_unknown_faction() -> None:
    reg = ActorRegistry([
        Actor("ELN", "guerrilla"),
        Actor("Frente X", "guerrilla", aliases=("ELN: FX",)),  # "FX" alone names nothing
    ])  # fmt: skip
    assert reg.canonical("ELN: FX") == "Frente X"
    assert reg.faction_umbrella("ELN: FX") is None
    assert reg.faction_umbrella("ELN: FY") == "ELN"

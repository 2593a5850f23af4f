"""Messages made now and read later, in the reader's language: reject reasons and file errors.

An importer decides why a row is rejected long before, and far from, where a person reads it:
the reason is kept on the reject, grouped in the import report, shown on the Data page, written
to the rejects CSV and printed by the command line, possibly to several people in different
languages. So a reason is not translated when it is made. A :class:`Message` is a ``str``
whose value is the English text (it compares, groups, sorts and goes into JSON like any English
text, and is the same in every language) and which also keeps its gettext msgid (marked with
``N_`` where it is written, so ``make i18n`` extracts it) and its parameters. ``str()``,
``format()``, f-strings and ``print()`` show it in the language of the code running then
(:func:`conflictmap.i18n.current`); :meth:`Message.text` in a given language. An exception
carrying a Message (``FileError(Message(...))``) is therefore also shown in the reader's
language by ``str(exc)``.

Parameters keep their own text (file names, cells, column names); numbers (``int``/``float``)
are written the reader's way (``1.234`` in Spanish, ``1,234`` in English), so years and codes
are passed as text; a parameter that is itself a Message is shown in the same language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from conflictmap import i18n

_QUOTED = re.compile(r"'[^']*'")
_POINT = re.compile(r"\(-?\d+(\.\d+)?, -?\d+(\.\d+)?\)")


def mask(text: str) -> str:
    """A reason without the row's own values (quoted cells and points), so that the rows
    rejected for one reason group together."""
    return _POINT.sub("(…)", _QUOTED.sub("'…'", text))


class Message(str):
    """English text that is shown in the reader's language (see the module docstring)."""

    msgid: str
    params: Mapping[str, object]
    masked: bool

    def __new__(cls, msgid: str, /, **params: object) -> Message:
        return cls._make(msgid, params, False)

    @classmethod
    def _make(cls, msgid: str, params: Mapping[str, object], masked: bool) -> Message:
        english = _render(msgid, params, "en", masked, translate=False)
        self = super().__new__(cls, english)
        self.msgid, self.params, self.masked = msgid, dict(params), masked
        return self

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default: the current language)."""
        return _render(self.msgid, self.params, i18n.normalize(lang) or i18n.current(), self.masked)

    @property
    def english(self) -> str:
        return str.__str__(self)

    def __str__(self) -> str:
        return self.text()

    def __format__(self, spec: str) -> str:
        return format(self.text(), spec)

    def kind(self) -> Message:
        """The same message without the row's values (:func:`mask`), in every language."""
        return self._make(self.msgid, self.params, True)

    def map_text(self, fn: Callable[[str], str]) -> Message:
        """The message with ``fn`` applied to every text parameter (e.g. a temporary file's
        path replaced by the name of the upload), nested messages included."""
        params = {k: _map_param(v, fn) for k, v in self.params.items()}
        return self._make(self.msgid, params, self.masked)

    # immutable, and pickled with what it is made of (st.cache_data pickles return values)
    def __reduce__(self):  # noqa: ANN204 - pickle protocol
        return (_rebuild, (type(self), self.msgid, tuple(self.params.items()), self.masked))

    def __copy__(self) -> Message:
        return self

    def __deepcopy__(self, memo: object) -> Message:
        return self


def _rebuild(cls: type[Message], msgid: str, params: tuple, masked: bool) -> Message:
    return cls._make(msgid, dict(params), masked)


def _map_param(value: object, fn: Callable[[str], str]) -> object:
    if isinstance(value, Message):
        return value.map_text(fn)
    if isinstance(value, str):
        return fn(value)
    return value


def _shown(value: object, lang: str, masked: bool) -> str:
    if isinstance(value, Message):
        return _render(value.msgid, value.params, lang, masked or value.masked)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return i18n.number(value, lang)
    return str(value)


def _render(
    msgid: str, params: Mapping[str, object], lang: str, masked: bool, *, translate: bool = True
) -> str:
    pattern = i18n.translations(lang).gettext(msgid) if translate and lang != "en" else msgid
    shown = {k: _shown(v, lang, masked) for k, v in params.items()}
    try:
        text = pattern.format(**shown)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
        text = msgid.format(**shown)
    return mask(text) if masked else text


def text(value: object, lang: str | None = None) -> str:
    """Any reason or error text as a person reads it in ``lang`` (a plain string as it is)."""
    if isinstance(value, Message):
        return value.text(lang)
    return str(value)


def of(exc: BaseException) -> str:
    """What an exception says, kept as a :class:`Message` when it carries one (to be shown
    later, in the reader's language), else its text."""
    if len(exc.args) == 1 and isinstance(exc.args[0], Message):
        return exc.args[0]
    return str(exc)


def kind(reason: str) -> str:
    """:func:`mask` of a reason: a Message stays one (shown masked in every language)."""
    return reason.kind() if isinstance(reason, Message) else mask(reason)


def join(parts: list[str], sep: str = "; ") -> Message:
    """Several messages as one (each shown in the reader's language)."""
    return Message("{" + "}{sep}{".join(f"p{i}" for i in range(len(parts))) + "}" if parts
                   else "", sep=sep, **{f"p{i}": p for i, p in enumerate(parts)})  # fmt: skip

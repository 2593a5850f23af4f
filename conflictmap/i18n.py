"""Interface language: gettext catalogues (Babel) and Colombian number and date formats.

The interface speaks Spanish (``es``, the default: ``CONFLICTMAP_LANG``) or English (``en``). Strings in the code are
English msgids marked with :func:`_` (or :func:`N_` for module constants, translated where they
are shown, and :func:`ngettext` for plurals); the Spanish catalogue is
``conflictmap/locale/es/LC_MESSAGES/conflictmap.po`` and its compiled ``.mo`` (``make i18n``
extracts, updates and compiles them with pybabel; both are committed and a test checks the
``.mo`` is current). English needs no catalogue: the msgids are the English text.

Streamlit serves many people from one process, so there is no process-wide ``install()``: the
language of the code running now is a :class:`contextvars.ContextVar`, set by each page run from
the URL or the session (:func:`set_language`), by the command line's ``--lang`` (:func:`using`),
or the default (``CONFLICTMAP_LANG``, see :mod:`conflictmap.settings`). Stored values, URL
values, file formats and JSON keys never change with the language.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal

DOMAIN = "conflictmap"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("es", "en")
LANGUAGE_NAMES = {"es": "Español", "en": "English"}
# Babel locales of the number and date formats: Colombian Spanish (1.234,5 · 2 sep. 2022)
BABEL_LOCALES = {"es": "es_CO", "en": "en"}

_current: ContextVar[str | None] = ContextVar("conflictmap_lang", default=None)


def default_language() -> str:
    """The language when nothing else says: ``CONFLICTMAP_LANG`` (default Spanish)."""
    from conflictmap import settings

    return settings.get().lang


def initial_language(link: object, browser: object) -> str:
    """A session's first language: the link's ``lang=``; else ``CONFLICTMAP_LANG`` when the
    deployment sets it; else the browser's language (``es-CO``, ``en-US``...) when it is one of
    :data:`LANGUAGES`; else Spanish."""
    from conflictmap import settings

    wanted = normalize(link)
    if wanted:
        return wanted
    config = settings.get()
    if config.lang_set:
        return config.lang
    return normalize(browser) or config.lang


def normalize(value: object) -> str | None:
    """``es`` or ``en`` from a URL or option value (``ES``, ``es_CO``, ``en-GB``...), else None."""
    text = str(value or "").strip().lower().replace("-", "_").split("_")[0]
    return text if text in LANGUAGES else None


def current() -> str:
    """The language of the code running now."""
    return _current.get() or default_language()


def set_language(lang: str | None) -> str:
    """Set the language of this context (a page run, a request); returns the one in force."""
    chosen = normalize(lang) or default_language()
    _current.set(chosen)
    return chosen


@contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Run a block in one language (the command line, an export), then restore the previous."""
    token = _current.set(normalize(lang) or default_language())
    try:
        yield _current.get() or default_language()
    finally:
        _current.reset(token)


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English: the msgids themselves)."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(current()).gettext(message)


def N_(message: str) -> str:  # noqa: N802 - gettext's name for a deferred mark
    """Mark a constant for extraction; it is translated where it is shown, with :func:`_`."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message for ``n``, in the current language."""
    return translations(current()).ngettext(singular, plural, n)


def babel_locale(lang: str | None = None) -> str:
    return BABEL_LOCALES[normalize(lang) or current()]


def number(value: float | int, lang: str | None = None, *, decimals: int | None = None) -> str:
    """A number as people read it: ``4.632`` and ``1.234,5`` in Spanish, ``4,632`` in English
    (``decimals``: exactly that many digits after the decimal mark)."""
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=babel_locale(lang))


def day(value: date, lang: str | None = None, *, short: bool = False) -> str:
    """A date: ``2 sep. 2022`` (``02/09/2022`` short) in Spanish, ``Sep 2, 2022`` in English."""
    lang = normalize(lang) or current()
    if lang == "es":
        return format_date(value, "dd/MM/yyyy" if short else "d MMM. y", locale="es_CO")
    return format_date(value, "short" if short else "medium", locale="en")

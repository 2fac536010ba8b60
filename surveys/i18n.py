"""Languages: the message catalogues every young person's string comes from.

Catalogues are gettext PO files in `surveys/locale/<lang>/LC_MESSAGES/carevoice.po`,
extracted into `surveys/locale/carevoice.pot` with Babel (`pybabel extract -F babel.cfg`).
They are read at run time with Babel's `read_po` and turned into a `gettext` translations
object in memory (`write_mo` into a buffer): nothing has to be compiled when installing,
so a plain `pip install -e .` (or a wheel) speaks every shipped language, and an edited
PO file is used after a restart. Reading all of them takes a few milliseconds, once.

English is the source language (msgids are the English words). Survey wording is not
here: it lives in each survey's YAML (`surveys.translations`).
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_group_symbol
from babel.support import Translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "N_",
    "RTL_LANGUAGES",
    "Gettext",
    "direction",
    "format_day",
    "format_number",
    "gettext_for",
    "html_lang",
    "ngettext_for",
    "normalize_language",
    "translations",
]

DOMAIN = "carevoice"
DEFAULT_LANGUAGE = "en"
LANGUAGES: Mapping[str, str] = MappingProxyType(
    {"en": "English", "cy": "Cymraeg", "ar": "العربية"}
)
"""The shipped languages, each named in itself (as a language menu shows them)."""
RTL_LANGUAGES = frozenset({"ar"})
_HTML_LANG = {"en": "en-GB", "cy": "cy", "ar": "ar"}

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; translated where it is shown."""
    return message


def normalize_language(value: object) -> str | None:
    """A shipped language code from what a CSV, form or command gave ("CY", "cy-GB",
    "Cymraeg", "Welsh"), or None if it names no shipped language."""
    if not isinstance(value, str):
        return None
    text = value.strip().casefold().replace("_", "-")
    if not text:
        return None
    code = text.split("-", 1)[0]
    if code in LANGUAGES:
        return code
    for known, own_name in LANGUAGES.items():
        english = Locale.parse(known).get_display_name("en") or ""
        if text in (own_name.casefold(), english.casefold()):
            return known
    return None


def direction(language: str) -> str:
    """`rtl` or `ltr`, for the page's `dir` attribute."""
    return "rtl" if language in RTL_LANGUAGES else "ltr"


def html_lang(language: str) -> str:
    """The page's `lang` attribute (BCP 47)."""
    return _HTML_LANG.get(language, language)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of a shipped language (English and unknown codes: the msgids)."""
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return gettext.NullTranslations()
    po = resources.files("surveys").joinpath("locale", language, "LC_MESSAGES", f"{DOMAIN}.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def gettext_for(language: str | None) -> Gettext:
    """`_` for one language."""
    return translations(language or DEFAULT_LANGUAGE).gettext


def ngettext_for(language: str | None) -> Callable[[str, str, int], str]:
    """`ngettext` for one language (the plural forms its catalogue declares)."""
    return translations(language or DEFAULT_LANGUAGE).ngettext


def format_day(day: date, language: str | None) -> str:
    """A date as a young person reads it: "12 March", "12 Mawrth", "١٢ مارس" (the year
    only when it is not this year's is left to the caller)."""
    return format_date(day, "d MMMM", locale=_locale(language))


def _locale(language: str | None) -> Locale:
    code = language or DEFAULT_LANGUAGE
    return Locale.parse("en_GB" if code == DEFAULT_LANGUAGE else code)


def format_number(number: int, language: str | None) -> str:
    """1,000 in English and Welsh; as the language writes it otherwise."""
    return format_decimal(number, locale=_locale(language))


def number_group(language: str | None) -> str:
    """The mark between thousands as `format_number` writes it: "," in English."""
    return get_group_symbol(_locale(language))

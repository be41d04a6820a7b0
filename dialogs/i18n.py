"""Translations and locale-aware formatting.

Catalogs are read from ``locales/<lang>/LC_MESSAGES/messages.po`` at start-up and
compiled in memory, so a fresh clone shows German text without a build step.
Message ids are English; ``{name}`` placeholders are filled after translation.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SOURCE_LOCALE = "en"

# First-strong isolate / pop directional isolate: an inserted value keeps its own direction
# and cannot reorder the right-to-left sentence around it ("15:00", "52062 Aachen").
FSI = "\u2068"
PDI = "\u2069"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the reader is known."""
    return message


# The order of the language menus: German first, then English and the languages most
# asked for in German municipalities; a catalog added later goes to the end.
MENU_ORDER = ("de", "en", "uk", "ar", "tr", "ru")


@cache
def available_locales() -> tuple[str, ...]:
    found = {p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po")}
    ordered = sorted(
        found,
        key=lambda code: (
            (MENU_ORDER.index(code), "") if code in MENU_ORDER else (len(MENU_ORDER), code)
        ),
    )
    return tuple(ordered) or (SOURCE_LOCALE,)


@cache
def load_catalog(locale: str) -> NullTranslations:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def match_locale(hint: str | None) -> str | None:
    """Map a client's language tag (``de-DE``, ``en_GB``, ``uk``) to a catalog we have."""
    if not hint:
        return None
    tag = hint.replace("_", "-").split("-", 1)[0].lower()
    return tag if tag in available_locales() else None


@cache
def language_name(locale: str, in_locale: str | None = None) -> str:
    """A language's name, by default in itself (``Deutsch``, ``English``) for the menu."""
    try:
        name = Locale.parse(locale).get_display_name(in_locale or locale) or locale
    except (ValueError, TypeError):  # an unknown code stored on old content
        return locale
    return name[:1].upper() + name[1:]


@cache
def is_rtl(locale: str) -> bool:
    try:
        return Locale.parse(locale).text_direction == "rtl"
    except (ValueError, TypeError):
        return False


def isolate(text: str) -> str:
    """Wrap each line of ``text`` in isolation marks (a line break ends an isolate anyway)."""
    return "\n".join(
        f"{FSI}{line}{PDI}" if line and not (line[0] == FSI and line[-1] == PDI) else line
        for line in text.split("\n")
    )


class Translator:
    """Everything language- and zone-specific for one reader."""

    def __init__(self, locale: str, tz: tzinfo) -> None:
        self.locale = locale
        self.tz = tz
        self._catalog = load_catalog(locale)
        self.rtl = is_rtl(locale)

    def isolate(self, value: object) -> str:
        """A value inserted into this reader's text, isolated when they read right-to-left."""
        text = str(value)
        return isolate(text) if self.rtl and text else text

    def _fill(self, text: str, values: dict[str, Any]) -> str:
        if self.rtl:
            values = {name: self.isolate(value) for name, value in values.items()}
        return text.format(**values)

    def gettext(self, message: str, **values: Any) -> str:
        text = self._catalog.gettext(message)
        return self._fill(text, values) if values else text

    _ = gettext

    @property
    def translator(self) -> Translator:
        """So a Translator can stand in for a Context in rendering helpers (see Speaker)."""
        return self

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        text = self._catalog.ngettext(singular, plural, n)
        return self._fill(text, {"n": self.number(n), **values})

    def number(self, value: float, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def datetime(self, value: datetime, format: str = "medium") -> str:
        return format_datetime(value, format=format, tzinfo=self.tz, locale=self.locale)

    def date(self, value: datetime, format: str = "full") -> str:
        return format_date(value.astimezone(self.tz), format=format, locale=self.locale)

    def time(self, value: datetime, format: str = "short") -> str:
        return format_time(value, format=format, tzinfo=self.tz, locale=self.locale)

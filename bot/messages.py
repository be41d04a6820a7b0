"""Keep the message catalogs in step with the code.

``python -m bot.messages update`` extracts every marked message and merges it
into ``locales/<lang>/LC_MESSAGES/messages.po`` (English, the source language,
is filled in automatically); ``check`` lists what is missing, untranslated or
has placeholders that differ. The test suite runs ``check``.

Translators without a PO editor use ``todo <lang> <file.json>`` (what is still
untranslated, with the German wording beside it for tone) and ``import <lang>
<file.json>`` (``{"English id": "translation"}``; a list of forms for plurals).
"""

from __future__ import annotations

import gettext
import json
import string
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from dialogs.i18n import LOCALES_DIR, SOURCE_LOCALE, available_locales

ROOT = LOCALES_DIR.parent
SOURCE_DIRS = ("bot", "dialogs", "matching", "storage")
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    """Every message marked in the code, as a template catalog."""
    template = Catalog(locale=None, project="Engage", charset="utf-8")
    for folder in SOURCE_DIRS:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            template.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def catalog_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"


def read_catalog(locale: str) -> Catalog:
    with catalog_path(locale).open("rb") as po:
        return read_po(po, locale=locale)


def write_catalog(catalog: Catalog, locale: str) -> None:
    path = catalog_path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po:
        write_po(po, catalog, width=100, no_location=True, omit_header=False, sort_output=True)


def update(locales: Iterable[str] | None = None) -> None:
    template = extract()
    for locale in locales or available_locales():
        path = catalog_path(locale)
        catalog = read_catalog(locale) if path.exists() else Catalog(locale=locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False  # a fuzzy header would drop the plural rules when compiled
        catalog.project = "Engage"
        catalog.copyright_holder = "The Engage contributors"
        if locale == SOURCE_LOCALE:
            for message in catalog:
                if message.id and not _translated(message):
                    message.string = message.id
                    message.flags.discard("fuzzy")
        write_catalog(catalog, locale)


def placeholders(text: str) -> set[str]:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError:
        return {"<malformed>"}


def _translated(message: Message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def check(locales: Iterable[str] | None = None) -> list[str]:
    """Problems that would show users English, a raw id or a KeyError."""
    template = extract()
    problems: list[str] = []
    for locale in locales or available_locales():
        catalog = read_catalog(locale)
        for wanted in template:
            if not wanted.id:
                continue
            message = catalog.get(wanted.id)
            label = wanted.id if isinstance(wanted.id, str) else wanted.id[0]
            if message is None:
                problems.append(f"{locale}: missing {label!r}")
                continue
            if not _translated(message) or "fuzzy" in message.flags:
                problems.append(f"{locale}: untranslated {label!r}")
                continue
            ids = wanted.id if isinstance(wanted.id, tuple) else (wanted.id,)
            expected = set().union(*(placeholders(i) for i in ids)) - {"n"}
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                if placeholders(text) - {"n"} != expected:
                    problems.append(f"{locale}: placeholders differ in {label!r}: {text!r}")
    return problems


def todo(locale: str) -> list[dict[str, object]]:
    """The messages of ``locale`` still to translate, with what a translator needs to know."""
    catalog = read_catalog(locale)
    german = read_catalog("de") if catalog_path("de").exists() else Catalog(locale="de")
    entries: list[dict[str, object]] = []
    for message in catalog:
        if not message.id or (_translated(message) and "fuzzy" not in message.flags):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        reference = german.get(message.id)
        entry: dict[str, object] = {"id": ids[0]}
        if len(ids) > 1:
            entry["plural"] = ids[1]
            entry["forms"] = catalog.num_plurals
            entry["examples"] = _form_examples(catalog.plural_expr, catalog.num_plurals)
        if reference is not None and _translated(reference):
            entry["de"] = reference.string
        if message.auto_comments:
            entry["note"] = " ".join(message.auto_comments)
        entries.append(entry)
    return entries


def _form_examples(expression: str, forms: int) -> list[list[int]]:
    """Which numbers take which plural form: clearer to a translator than the C formula."""
    pick = gettext.c2py(expression)
    examples: list[list[int]] = [[] for _ in range(forms)]
    for n in (*range(0, 31), 100, 101, 102, 103, 111, 121, 1000):
        if len(examples[pick(n)]) < 6:
            examples[pick(n)].append(n)
    return examples


def import_translations(locale: str, translations: dict[str, str | list[str]]) -> list[str]:
    """Fill ``locale`` from ``{"English id": text or [plural forms]}``; returns the ids unknown."""
    catalog = read_catalog(locale)
    unknown: list[str] = []
    by_singular = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalog if m.id}
    for key, text in translations.items():
        message = by_singular.get(key)
        if message is None:
            unknown.append(key)
            continue
        if isinstance(message.id, tuple):
            forms = list(text) if isinstance(text, list) else [text] * catalog.num_plurals
            message.string = tuple(forms)
        else:
            message.string = text if isinstance(text, str) else text[0]
        message.flags.discard("fuzzy")
    write_catalog(catalog, locale)
    return unknown


def main(argv: list[str]) -> int:
    if argv[:1] == ["todo"] and len(argv) == 3:
        Path(argv[2]).write_text(json.dumps(todo(argv[1]), ensure_ascii=False, indent=1))
        return 0
    if argv[:1] == ["import"] and len(argv) == 3:
        translations = json.loads(Path(argv[2]).read_text())
        unknown = import_translations(argv[1], translations)
        print("\n".join(f"unknown id: {key!r}" for key in unknown) or "imported")
        return 1 if unknown else 0
    if argv[:1] == ["update"]:
        update(argv[1:] or None)
        return 0
    if argv[:1] == ["check"]:
        problems = check(argv[1:] or None)
        print("\n".join(problems) or "catalogs complete")
        return 1 if problems else 0
    print(
        "usage: python -m bot.messages update|check [locale ...] | todo|import <locale> <json>",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

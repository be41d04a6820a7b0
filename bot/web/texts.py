"""The words of the web pages, marked for the catalogs like every bot message."""

from __future__ import annotations

from dialogs.i18n import N_, Translator

PAGE = {
    "heading": N_("Volunteering in {municipality}"),
    "intro": N_(
        "Local organisations are looking for help. Pick something and sign up in the "
        "chat with our assistant – on Telegram or Matrix. No account on this website needed."
    ),
    "skip": N_("Skip to the needs"),
    "language": N_("Language"),
    "filters": N_("Filter needs"),
    "interest": N_("Interest"),
    "any_interest": N_("All interests"),
    "date": N_("Date"),
    "date_hint": N_("Only needs on this day"),
    "postal_code": N_("Your postal code"),
    "postal_code_hint": N_("Five digits, e.g. 52062"),
    "radius": N_("Distance"),
    "show": N_("Show needs"),
    "reset": N_("Reset filters"),
    "none": N_("No open needs match these filters right now. Try other filters."),
    "urgent": N_("Urgent"),
    "when": N_("When"),
    "where": N_("Where"),
    "spots": N_("Spots"),
    "fields": N_("Fields"),
    "telegram": N_("Help via Telegram"),
    "matrix": N_("Help via Matrix"),
    "matrix_hint": N_("In the chat with the bot, send:"),
    "no_messenger": N_("Sign-up in the chat is not available at the moment."),
    "errors": N_("Some filters could not be used:"),
    "footer": N_(
        "This page lists needs of organisations approved by the municipality. "
        "It shows no data about volunteers."
    ),
    "municipalities": N_("Municipalities"),
    "choose_municipality": N_("Choose your municipality:"),
    "not_found": N_("This page does not exist."),
}


def page_texts(t: Translator, **values: str) -> dict[str, str]:
    texts = {}
    for key, message in PAGE.items():
        wanted = {name: value for name, value in values.items() if f"{{{name}}}" in message}
        texts[key] = t.gettext(message, **wanted)  # isolated for right-to-left readers
    return texts


def count_text(t: Translator, n: int) -> str:
    return t.ngettext("{n} open need", "{n} open needs", n)


def radius_text(t: Translator, km: int) -> str:
    return t.gettext("{km} km", km=t.number(km))

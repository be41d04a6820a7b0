"""Commands every user has from any step: /start, /help, /cancel, /language."""

from __future__ import annotations

from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, LocationShared, Reply
from dialogs.flow import Context, Dialog, Step, buttons, column
from dialogs.i18n import N_, available_locales, language_name

language = Dialog("language", first="choose")


def language_buttons() -> tuple:
    return column([(language_name(code), f"lang:{code}") for code in available_locales()])


def chosen_locale(event: Event) -> str | None:
    if isinstance(event, ButtonPress) and event.value and event.value.startswith("lang:"):
        code = event.value.removeprefix("lang:")
        return code if code in available_locales() else None
    return None


def help_text(ctx: Context) -> str:
    lines = [ctx._("Here is what I can do:")]
    for spec in ctx.registry.commands.values():
        if spec.public:
            lines.append(f"/{spec.name} – {ctx._(spec.description)}")
    lines.append(ctx._("You can answer with the buttons, their number or their text."))
    return "\n".join(lines)


@language.ask("choose")
async def ask_language(ctx: Context) -> list[Reply]:
    return [Reply(ctx._("Which language would you like to use?"), buttons=language_buttons())]


@language.handle("choose")
async def on_language(event: Event, ctx: Context) -> Step:
    locale = chosen_locale(event)
    if locale is None:
        return Step.stay(Reply(ctx._("Please choose a language from the list.")))
    ctx.set_locale(locale)
    return Step.finish(Reply(ctx._("Great, let's continue in English.")))


async def on_language_command(event: Event, ctx: Context) -> Step:
    return Step.start(language.name)


async def on_help(event: Event, ctx: Context) -> Step:
    """Help, then the pending question again, so nobody loses their place."""
    return Step.stay(Reply(help_text(ctx)))


async def on_cancel(event: Event, ctx: Context) -> Step:
    if ctx.conversation.dialog is None:
        return Step.stay(
            Reply(ctx._("There is nothing to cancel. Send /help to see what I can do."))
        )
    return Step.finish(Reply(ctx._("Cancelled. Send /help to see what I can do.")))


async def on_idle(event: Event, ctx: Context) -> Step:
    """Outside any flow: point the way instead of staying silent."""
    if isinstance(event, LocationShared):
        text = ctx._("Thanks for the location. Send /start first, then I can use it.")
    elif isinstance(event, ButtonPress) and event.value == "help":
        return Step.stay(Reply(help_text(ctx)))
    else:
        text = ctx._("I'm not sure what you mean. Send /help to see what I can do.")
    return Step.stay(Reply(text, buttons=buttons([(ctx._("Help"), "help")])))


def register(registry: Registry) -> None:
    registry.add_dialog(language)
    registry.add_command("language", N_("Change the language"), on_language_command)
    registry.add_command("help", N_("Show what I can do"), on_help)
    registry.add_command("cancel", N_("Stop what we are doing"), on_cancel)
    registry.idle = on_idle

"""What the volunteer's dialogs share: loading the profile, snapshots for matching,
and rendering needs and reasons in the reader's language."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta

from dialogs.events import Event, Identity, Reply, TextMessage
from dialogs.flow import Context, Speaker, Step, buttons
from dialogs.i18n import N_, Translator, language_name
from matching import availability, taxonomy
from matching.types import Match, NeedSnapshot, OrganisationSnapshot, Reason, VolunteerSnapshot
from storage.models import Account, Need, Organisation, Person, VolunteerProfile

PARTS = (N_("morning"), N_("afternoon"), N_("evening"))
# A weekday with its date as each language writes it ("Samstag, 6. Juni", "6 Haziran
# Cumartesi", "السبت، 6 يونيو"); CLDR's skeletons would abbreviate some of them.
DAY_PATTERNS = {"de": "EEEE, d. MMMM", "ar": "EEEE، d MMMM", "tr": "d MMMM EEEE"}
RADII_KM = (2, 5, 10, 25)
ORGANISATION_DESCRIPTION_CHARS = 200


async def find_volunteer(ctx: Context) -> tuple[Person, VolunteerProfile] | None:
    """The person behind this chat and their profile, if they have consented."""
    if ctx.person is None or ctx.person.id is None:
        return None
    profile = await ctx.uow.profiles.get(ctx.person.id)
    return (ctx.person, profile) if profile is not None else None


def snapshot_of(
    profile: VolunteerProfile,
    now: datetime,
    *,
    signed_up: frozenset[int],
    declined: frozenset[int],
    notified: frozenset[int],
    notified_today: int = 0,
) -> VolunteerSnapshot:
    """The profile as matching sees it; an ended free-time window no longer counts."""
    window = None
    if profile.window_start and profile.window_end and profile.window_end > now:
        window = (profile.window_start, profile.window_end)
    return VolunteerSnapshot(
        id=profile.person_id,
        lat=profile.latitude or 0.0,
        lon=profile.longitude or 0.0,
        radius_km=profile.radius_km,
        interests=frozenset(profile.interests),
        skills=frozenset(profile.skills),
        availability=profile.availability,
        window=window,
        paused=profile.paused,
        notify_mode=profile.notify_mode,
        last_notified_at=profile.last_notified_at,
        notified_today=notified_today,
        signed_up=signed_up,
        declined=declined,
        notified=notified,
    )


async def volunteer_snapshot(ctx: Context, profile: VolunteerProfile) -> VolunteerSnapshot:
    """For one volunteer's own lists (/matches, /now): their whole history counts."""
    person_id = profile.person_id
    return snapshot_of(
        profile,
        ctx.now(),
        signed_up=await ctx.uow.signups.need_ids_of(person_id),
        declined=await ctx.uow.signups.declined_ids_of(person_id),
        notified=await ctx.uow.signups.notified_ids_of(person_id),
    )


def need_snapshot(need: Need) -> NeedSnapshot:
    assert need.id is not None
    return NeedSnapshot(
        id=need.id,
        organisation_id=need.organisation_id,
        lat=need.latitude,
        lon=need.longitude,
        starts_at=need.starts_at,
        ends_at=need.ends_at,
        interests=frozenset(need.interests),
        skills=frozenset(need.skills),
        capacity=need.capacity,
        taken=need.taken,
        urgent=need.urgent,
        created_at=need.created_at,
    )


def organisation_snapshot(organisation: Organisation) -> OrganisationSnapshot:
    assert organisation.id is not None
    return OrganisationSnapshot(
        id=organisation.id,
        lat=organisation.latitude,
        lon=organisation.longitude,
        kind=organisation.kind,
        interests=frozenset(organisation.interests),
    )


def volunteer_name(t: Speaker, person: Person | None) -> str:
    """How organisations see a volunteer: the messenger's name, else neutrally."""
    return (person.display_name if person else None) or t._("A volunteer")


def account_identity(account: Account) -> Identity:
    return Identity(account.transport, account.user_id, account.chat_id)


async def translator_for(ctx: Context, account: Account) -> Translator:
    """The recipient's language, not the sender's: a relayed message is read by them."""
    person = await ctx.uow.people.by_account(account.transport, account.user_id)
    locale = person.locale if person else None
    if not locale:
        conversation = await ctx.uow.conversations.get(account_identity(account).conversation_key)
        locale = conversation.locale if conversation else None
    return Translator(locale or ctx.config.default_locale, ctx.config.tz)


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters on one line, cut at a word and marked with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,.;:-–") + "…"


def written_answer(ctx: Context, event: Event, limit: int, hint: str) -> str | Step:
    """The text the user wrote, or the step that says what is wrong with it."""
    if not isinstance(event, TextMessage):
        return Step.stay(Reply(ctx._(hint)))
    if len(event.text) > limit:
        text = ctx._(
            "That is {length} characters – please keep it to {limit} at most.",
            length=ctx.translator.number(len(event.text)),
            limit=ctx.translator.number(limit),
        )
        return Step.stay(Reply(text))
    return event.text


async def relay(
    ctx: Context,
    accounts: Sequence[Account],
    text: Callable[[Translator], str],
    actions: Sequence[tuple[str, str]] = (),
) -> int:
    """Tell other people, each in their own language, once this step is committed.

    ``actions`` are (N_ label, value) pairs; the sender's messenger id is never included."""
    for account in accounts:
        t = await translator_for(ctx, account)
        choices = [(t.gettext(label), value) for label, value in actions]
        rows = buttons(choices) if choices else ()
        ctx.send_to(account_identity(account), Reply(text(t), buttons=rows))
    return len(accounts)


# -- rendering -------------------------------------------------------------------


def interest_label(ctx: Speaker, interest_id: str) -> str:
    if not taxonomy.is_interest(interest_id):
        return interest_id
    return ctx._(taxonomy.interest(interest_id).label)


def skill_label(ctx: Speaker, skill_id: str) -> str:
    return ctx._(taxonomy.skill(skill_id).label) if taxonomy.is_skill(skill_id) else skill_id


def kind_label(ctx: Speaker, kind: str) -> str:
    if not taxonomy.is_organisation_kind(kind):
        return kind
    return ctx._(taxonomy.organisation_kind(kind).label)


def written_in(ctx: Speaker, language: str | None, mark: str = "🌐 ") -> str:
    """A small note when people's own words are in another language than the reader's:
    no translation service is at hand, so the reader at least knows what to expect."""
    if not language or language == ctx.locale:
        return ""
    return mark + ctx._(
        "original language: {language}", language=language_name(language, ctx.locale)
    )


def distance_text(ctx: Speaker, km: float) -> str:
    if km < 1:
        return ctx._("{meters} m", meters=ctx.translator.number(max(100, round(km * 10) * 100)))
    return ctx._("{km} km", km=ctx.translator.number(km, 1))


def when_text(ctx: Speaker, starts_at: datetime | None, ends_at: datetime | None) -> str:
    """'Saturday, 6 June, 15:00–18:00' in the reader's language and time zone."""
    if starts_at is None:
        return ctx._("ongoing, by arrangement")
    day = ctx.translator.date(starts_at, format=DAY_PATTERNS.get(ctx.locale, "EEEE, d MMMM"))
    start = ctx.translator.time(starts_at)
    if ends_at is None:
        return ctx._("{day}, {start}", day=day, start=start)
    return ctx._("{day}, {start}–{end}", day=day, start=start, end=ctx.translator.time(ends_at))


def slot_text(ctx: Speaker, starts_at: datetime) -> str:
    """'Saturday morning' for the local part of the day a need starts in."""
    local = starts_at.astimezone(ctx.translator.tz)
    weekday = ctx.translator.date(starts_at, format="EEEE")
    hour = local.hour
    part = 0 if hour < 12 else 1 if hour < 18 else 2
    return ctx._("{weekday} {part}", weekday=weekday, part=ctx._(PARTS[part]))


def reasons_text(ctx: Speaker, reasons: tuple[Reason, ...], starts_at: datetime | None) -> str:
    """Why it was suggested: 'fits: Children & youth · 1.8 km · Saturday morning, ...'."""
    parts: list[str] = []
    interests = [interest_label(ctx, str(r.value)) for r in reasons if r.kind == "interest"]
    if interests:
        parts.append(", ".join(interests))
    skills = [skill_label(ctx, str(r.value)) for r in reasons if r.kind == "skill"]
    if skills:
        parts.append(ctx._("your skills: {skills}", skills=", ".join(skills)))
    for reason in reasons:
        if reason.kind == "distance":
            parts.append(distance_text(ctx, float(reason.value)))
        elif reason.kind == "time" and starts_at is not None:
            if reason.value == "window":
                parts.append(ctx._("while you said you have time"))
            else:
                parts.append(ctx._("{slot}, when you are free", slot=slot_text(ctx, starts_at)))
        elif reason.kind == "urgent":
            parts.append(ctx._("urgent"))
    return ctx._("fits: {reasons}", reasons=" · ".join(parts)) if parts else ""


def spots_text(ctx: Speaker, need: Need) -> str:
    left = max(0, need.capacity - need.taken)
    return ctx.ngettext("{n} spot left", "{n} spots left", left)


def need_card(ctx: Context, need: Need, organisation: Organisation, match: Match | None) -> Reply:
    """One suggested need with what it is, when, where, and why it fits."""
    assert need.id is not None
    iso = ctx.translator.isolate  # people's own words and codes, inside a possibly RTL card
    lines = [f"{'❗ ' if need.urgent else ''}{iso(need.title)}", iso(organisation.name)]
    lines.append("🕒 " + when_text(ctx, need.starts_at, need.ends_at))
    where = iso(", ".join(filter(None, [need.address, f"{need.postal_code}"])))
    if match is not None:
        where += f" ({distance_text(ctx, match.distance_km)})"
    lines.append("📍 " + where)
    lines.append("👥 " + spots_text(ctx, need))
    if note := written_in(ctx, need.language):
        lines.append(note)
    if match is not None:
        why = reasons_text(ctx, match.reasons, need.starts_at)
        if why:
            lines.append("💡 " + why)
    return Reply(
        "\n".join(lines),
        buttons=buttons(
            [
                (ctx._("I'll help"), f"@signup:{need.id}"),
                (ctx._("Not for me"), f"@decline:{need.id}"),
            ],
            [(ctx._("Details"), f"@details:{need.id}")],
        ),
    )


def organisation_card(ctx: Context, organisation: Organisation, match: Match) -> Reply:
    """An organisation (/clubs): what it is, what it works on (shared interests first),
    why it fits, a short description and the way to contact it."""
    shared = [str(reason.value) for reason in match.reasons if reason.kind == "interest"]
    serves = shared + [i for i in organisation.interests if i not in shared]
    kind = kind_label(ctx, organisation.kind)
    iso = ctx.translator.isolate
    lines = [
        iso(organisation.name),
        "🏷 " + ", ".join(filter(None, [kind, iso(organisation.place)])),
    ]
    if serves:
        works_on = ", ".join(interest_label(ctx, i) for i in serves)
        lines.append("🎯 " + ctx._("Works on: {interests}", interests=works_on))
    if shared:
        lines.append("💡 " + reasons_text(ctx, match.reasons, None))
    else:
        away = distance_text(ctx, match.distance_km)
        lines.append("📍 " + ctx._("{distance} away", distance=away))
    if organisation.description:
        lines.append(iso(shorten(organisation.description, ORGANISATION_DESCRIPTION_CHARS)))
        if note := written_in(ctx, organisation.language):
            lines.append(note)
    return Reply(
        "\n".join(lines),
        buttons=buttons([(ctx._("Contact"), f"@contact:{organisation.id}")]),
    )


def availability_text(ctx: Speaker, mask: int) -> str:
    if mask == availability.FLEXIBLE:
        return ctx._("flexible, any day")
    if mask == 0:
        return ctx._("not set")
    days_by_part: dict[int, list[int]] = {}
    for weekday, part in availability.slots_in(mask):
        days_by_part.setdefault(part, []).append(weekday)
    parts_by_days: dict[tuple[int, ...], list[int]] = {}
    for part, weekdays in sorted(days_by_part.items()):
        parts_by_days.setdefault(tuple(weekdays), []).append(part)
    return "; ".join(
        ", ".join(weekday_name(ctx, day) for day in days)
        + ": "
        + ", ".join(ctx._(PARTS[part]) for part in parts)
        for days, parts in parts_by_days.items()
    )


WEEKDAYS = (
    N_("Mon"),
    N_("Tue"),
    N_("Wed"),
    N_("Thu"),
    N_("Fri"),
    N_("Sat"),
    N_("Sun"),
)


def weekday_name(ctx: Speaker, weekday: int) -> str:
    return ctx._(WEEKDAYS[weekday])


def signup_card(ctx: Context, need: Need, organisation: Organisation) -> Reply:
    """One of the volunteer's own sign-ups (/mine), with the way out."""
    assert need.id is not None
    iso = ctx.translator.isolate
    where = ", ".join(filter(None, [need.address, need.postal_code]))
    lines = [
        f"✅ {iso(need.title)}",
        iso(organisation.name),
        "🕒 " + when_text(ctx, need.starts_at, need.ends_at),
        "📍 " + iso(where),
    ]
    return Reply(
        "\n".join(lines),
        buttons=buttons([(ctx._("Cancel my sign-up"), f"@unsign:{need.id}")]),
    )


def is_over(need: Need, now: datetime) -> bool:
    """A need whose end (or start, if it has no end) has passed; undated ones never are."""
    last = need.ends_at or need.starts_at
    return last is not None and last <= now


async def own_signup(ctx: Context, argument: str) -> tuple[Need, Organisation] | None:
    """The need behind a cancel button, if this person is still signed up and it lies ahead."""
    if ctx.person is None or ctx.person.id is None or not argument.isdecimal():
        return None
    if int(argument) not in await ctx.uow.signups.need_ids_of(ctx.person.id):
        return None
    found = await ctx.uow.directory.need(int(argument))
    return found if found is not None and not is_over(found[0], ctx.now()) else None


def moment_text(ctx: Speaker, moment: datetime) -> str:
    """'18:00' today, 'midnight' at the end of today, 'Sunday, 23:00' on another day."""
    tz = ctx.translator.tz
    day, today = moment.astimezone(tz).date(), ctx.now().astimezone(tz).date()
    if moment == datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz):
        return ctx._("midnight")
    if day == today:
        return ctx.translator.time(moment)
    return f"{ctx.translator.date(moment, format='EEEE')}, {ctx.translator.time(moment)}"


def window_text(ctx: Speaker, start: datetime, end: datetime) -> str:
    """How a spontaneous "free now" window reads back to the volunteer."""
    if start <= ctx.now():
        return ctx._("You are marked free until {end}.", end=moment_text(ctx, end))
    return ctx._(
        "You are marked free from {start} until {end}.",
        start=moment_text(ctx, start),
        end=moment_text(ctx, end),
    )

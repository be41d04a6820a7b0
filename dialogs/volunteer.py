"""What the volunteer's dialogs share: loading the profile, snapshots for matching,
and rendering needs and reasons in the reader's language."""

from __future__ import annotations

from datetime import datetime

from dialogs.events import Identity, Reply
from dialogs.flow import Context, buttons
from dialogs.i18n import N_
from matching import availability, taxonomy
from matching.types import Match, NeedSnapshot, OrganisationSnapshot, Reason, VolunteerSnapshot
from storage.models import Account, Need, Organisation, Person, VolunteerProfile

PARTS = (N_("morning"), N_("afternoon"), N_("evening"))
RADII_KM = (2, 5, 10, 25)


async def find_volunteer(ctx: Context) -> tuple[Person, VolunteerProfile] | None:
    """The person behind this chat and their profile, if they have consented."""
    if ctx.person is None or ctx.person.id is None:
        return None
    profile = await ctx.uow.profiles.get(ctx.person.id)
    return (ctx.person, profile) if profile is not None else None


async def volunteer_snapshot(ctx: Context, profile: VolunteerProfile) -> VolunteerSnapshot:
    person_id = profile.person_id
    window = None
    if profile.window_start and profile.window_end and profile.window_end > ctx.now():
        window = (profile.window_start, profile.window_end)
    return VolunteerSnapshot(
        id=person_id,
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
        notified_today=0,
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


def account_identity(account: Account) -> Identity:
    return Identity(account.transport, account.user_id, account.chat_id)


# -- rendering -------------------------------------------------------------------


def interest_label(ctx: Context, interest_id: str) -> str:
    if not taxonomy.is_interest(interest_id):
        return interest_id
    return ctx._(taxonomy.interest(interest_id).label)


def skill_label(ctx: Context, skill_id: str) -> str:
    return ctx._(taxonomy.skill(skill_id).label) if taxonomy.is_skill(skill_id) else skill_id


def kind_label(ctx: Context, kind: str) -> str:
    if not taxonomy.is_organisation_kind(kind):
        return kind
    return ctx._(taxonomy.organisation_kind(kind).label)


def distance_text(ctx: Context, km: float) -> str:
    if km < 1:
        return ctx._("{meters} m", meters=ctx.translator.number(max(100, round(km * 10) * 100)))
    return ctx._("{km} km", km=ctx.translator.number(km, 1))


def when_text(ctx: Context, starts_at: datetime | None, ends_at: datetime | None) -> str:
    """'Saturday, 6 June, 15:00–18:00' in the reader's language and time zone."""
    if starts_at is None:
        return ctx._("ongoing, by arrangement")
    day = ctx.translator.date(starts_at, format="EEEE, d. MMMM")
    if ctx.locale != "de":
        day = ctx.translator.date(starts_at, format="EEEE, d MMMM")
    start = ctx.translator.time(starts_at)
    if ends_at is None:
        return f"{day}, {start}"
    return f"{day}, {start}–{ctx.translator.time(ends_at)}"


def slot_text(ctx: Context, starts_at: datetime) -> str:
    """'Saturday morning' for the local part of the day a need starts in."""
    local = starts_at.astimezone(ctx.translator.tz)
    weekday = ctx.translator.date(starts_at, format="EEEE")
    hour = local.hour
    part = 0 if hour < 12 else 1 if hour < 18 else 2
    return ctx._("{weekday} {part}", weekday=weekday, part=ctx._(PARTS[part]))


def reasons_text(ctx: Context, reasons: tuple[Reason, ...], starts_at: datetime | None) -> str:
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


def spots_text(ctx: Context, need: Need) -> str:
    left = max(0, need.capacity - need.taken)
    return ctx.ngettext("{n} spot left", "{n} spots left", left)


def need_card(ctx: Context, need: Need, organisation: Organisation, match: Match | None) -> Reply:
    """One suggested need with what it is, when, where, and why it fits."""
    assert need.id is not None
    lines = [f"{'❗ ' if need.urgent else ''}{need.title}", organisation.name]
    lines.append("🕒 " + when_text(ctx, need.starts_at, need.ends_at))
    where = ", ".join(filter(None, [need.address, f"{need.postal_code}"]))
    if match is not None:
        where += f" ({distance_text(ctx, match.distance_km)})"
    lines.append("📍 " + where)
    lines.append("👥 " + spots_text(ctx, need))
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


def availability_text(ctx: Context, mask: int) -> str:
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


def weekday_name(ctx: Context, weekday: int) -> str:
    return ctx._(WEEKDAYS[weekday])

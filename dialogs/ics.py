"""Sign-ups as iCalendar events: the private feed and the file sent with a confirmation.

Both use the same UID for a sign-up (``need-<need>-signup-<sign-up>@<domain>``), so
importing the file and subscribing to the feed never shows an event twice, and a
re-import updates instead of duplicating. A cancelled need or sign-up stays in the
feed with ``STATUS:CANCELLED``, which calendar apps show as cancelled or remove.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from dialogs.events import Attachment
from dialogs.flow import Context
from storage.calendar import CalendarFeeds
from storage.models import Need, Organisation, SignUp

PRODUCT_ID = "-//Engage//Volunteering sign-ups//EN"
DEFAULT_DOMAIN = "engage.invalid"
DEFAULT_LENGTH = timedelta(hours=1)  # for needs posted without an end
MIME_TYPE = "text/calendar"


def uid_domain(public_url: str | None) -> str:
    """The host of the public address: UIDs stay unique across deployments."""
    host = urlsplit(public_url).hostname if public_url else None
    return host or DEFAULT_DOMAIN


def event_uid(need_id: int, signup_id: int, domain: str) -> str:
    return f"need-{need_id}-signup-{signup_id}@{domain}"


def is_cancelled(signup: SignUp, need: Need) -> bool:
    return signup.status != "active" or need.status == "cancelled"


def signup_event(
    signup: SignUp, need: Need, organisation: Organisation, *, domain: str, now: datetime
) -> CalendarEvent:
    assert need.id is not None and signup.id is not None and need.starts_at is not None
    event = CalendarEvent()
    event.add("uid", event_uid(need.id, signup.id, domain))
    event.add("dtstamp", now)
    event.add("dtstart", need.starts_at)
    event.add("dtend", need.ends_at or need.starts_at + DEFAULT_LENGTH)
    event.add("summary", need.title)
    place = ", ".join(filter(None, [need.address, need.postal_code]))
    if place:
        event.add("location", place)
    lines = [organisation.name]
    if need.description:
        lines.append(need.description)
    if organisation.public_contact:
        lines.append(organisation.public_contact)
    event.add("description", "\n\n".join(lines))
    event.add("status", "CANCELLED" if is_cancelled(signup, need) else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def calendar_of(
    entries: Iterable[tuple[SignUp, Need, Organisation]],
    *,
    domain: str,
    now: datetime,
    name: str,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for signup, need, organisation in entries:
        if need.starts_at is not None:
            calendar.add_component(signup_event(signup, need, organisation, domain=domain, now=now))
    return calendar.to_ical()


async def signup_attachment(
    ctx: Context, need: Need, organisation: Organisation, person_id: int
) -> Attachment | None:
    """The sign-up as an ``.ics`` file to import; None for needs without a date."""
    if need.starts_at is None or need.id is None:
        return None
    signup = await CalendarFeeds(ctx.uow.session).signup(need.id, person_id)
    if signup is None:
        return None
    content = calendar_of(
        [(signup, need, organisation)],
        domain=uid_domain(ctx.services.get("public_url")),
        now=ctx.now(),
        name=need.title,
    )
    return Attachment(
        kind="file", filename=f"engage-{need.id}.ics", content=content, mime_type=MIME_TYPE
    )

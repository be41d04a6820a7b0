"""``/ical/<token>.ics``: parses, keeps UIDs across changes, shows cancellations, and
answers 404 for unknown and revoked tokens."""

from __future__ import annotations

from datetime import timedelta

import httpx
from icalendar import Calendar

from dialogs.ics import event_uid
from storage.calendar import CalendarFeeds
from storage.db import Store
from storage.models import Need, SignUp
from tests.bot.web.seed import PRIVATE, Seeded
from tests.fakes import FixedClock


async def new_feed(store: Store, person_id: int, clock: FixedClock) -> str:
    async with store.transaction() as uow:
        return await CalendarFeeds(uow.session).create(person_id, clock.now())


async def events(client: httpx.AsyncClient, token: str) -> dict[str, dict[str, object]]:
    response = await client.get(f"/ical/{token}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {
        str(event["uid"]): {
            "summary": str(event["summary"]),
            "status": str(event["status"]),
            "start": event.decoded("dtstart"),
            "end": event.decoded("dtend"),
            "location": str(event.get("location", "")),
        }
        for event in calendar.walk("VEVENT")
    }


async def signup_id(store: Store, need_id: int, person_id: int) -> int:
    async with store.transaction() as uow:
        found = await CalendarFeeds(uow.session).signup(need_id, person_id)
        assert found is not None and found.id is not None
        return found.id


async def test_feed_lists_the_sign_ups_with_stable_uids(
    client: httpx.AsyncClient, sqlite_store: Store, clock: FixedClock, seeded: Seeded
) -> None:
    person = seeded.volunteer_id
    need_id = seeded.shown["Lebensmittel sortieren"]
    token = await new_feed(sqlite_store, person, clock)
    uid = event_uid(need_id, await signup_id(sqlite_store, need_id, person), "engage.example.org")
    first = await events(client, token)
    assert list(first) == [uid]
    assert first[uid]["summary"] == "Lebensmittel sortieren"
    assert first[uid]["status"] == "CONFIRMED"
    assert "Marktplatz 1" in str(first[uid]["location"])

    async with sqlite_store.transaction() as uow:  # the organisation moves the need
        need = await uow.session.get(Need, need_id)
        assert need is not None and need.starts_at is not None
        need.title, need.starts_at = (
            "Lebensmittel sortieren (neue Zeit)",
            need.starts_at + timedelta(hours=2),
        )
        need.ends_at = need.starts_at + timedelta(hours=1)
        uow.session.add(need)
    moved = await events(client, token)
    assert list(moved) == [uid]  # same UID: calendars update the event, never duplicate it
    assert moved[uid]["summary"] == "Lebensmittel sortieren (neue Zeit)"
    assert moved[uid]["start"] == first[uid]["start"] + timedelta(hours=2)  # type: ignore[operator]

    async with sqlite_store.transaction() as uow:  # … and then cancels it
        need = await uow.session.get(Need, need_id)
        assert need is not None
        need.status = "cancelled"
        uow.session.add(need)
    cancelled = await events(client, token)
    assert cancelled[uid]["status"] == "CANCELLED"


async def test_a_cancelled_sign_up_shows_as_cancelled_and_a_new_one_appears(
    client: httpx.AsyncClient, sqlite_store: Store, clock: FixedClock, seeded: Seeded
) -> None:
    person = seeded.volunteer_id
    sorting, homework = seeded.shown["Lebensmittel sortieren"], seeded.shown["Hausaufgabenhilfe"]
    token = await new_feed(sqlite_store, person, clock)
    async with sqlite_store.transaction() as uow:
        await uow.signups.cancel(sorting, person, clock.now())
        await uow.signups.sign_up(homework, person, clock.now())
    listed = await events(client, token)
    statuses = {uid.split("-signup-")[0]: event["status"] for uid, event in listed.items()}
    assert statuses == {f"need-{sorting}": "CANCELLED", f"need-{homework}": "CONFIRMED"}
    before = set(listed)
    async with sqlite_store.transaction() as uow:  # signing up again reuses the sign-up row
        await uow.signups.sign_up(sorting, person, clock.now())
    assert set(await events(client, token)) == before


async def test_feed_holds_only_this_volunteers_sign_ups(
    client: httpx.AsyncClient, sqlite_store: Store, clock: FixedClock, seeded: Seeded
) -> None:
    async with sqlite_store.transaction() as uow:
        other = await uow.people.create_with_account(
            transport="matrix", user_id="@o:x", chat_id="!r"
        )
        assert other.id is not None
        await uow.signups.sign_up(seeded.shown["Hausaufgabenhilfe"], other.id, clock.now())
    token = await new_feed(sqlite_store, seeded.volunteer_id, clock)
    response = await client.get(f"/ical/{token}.ics")
    assert "Hausaufgabenhilfe" not in response.text
    for needle in PRIVATE:  # not even the owner's own name or place is in it
        assert needle not in response.text
    async with sqlite_store.transaction() as uow:
        rows = (await uow.session.exec(SignUp.__table__.select())).all()  # type: ignore[attr-defined]
    assert len(rows) == 2


async def test_unknown_and_revoked_tokens_are_404(
    client: httpx.AsyncClient, sqlite_store: Store, clock: FixedClock, seeded: Seeded
) -> None:
    assert (await client.get("/ical/not-a-token.ics")).status_code == 404
    token = await new_feed(sqlite_store, seeded.volunteer_id, clock)
    assert (await client.get(f"/ical/{token}.ics")).status_code == 200
    assert (await client.get(f"/ical/{token}")).status_code == 404
    async with sqlite_store.transaction() as uow:
        await CalendarFeeds(uow.session).revoke(seeded.volunteer_id, clock.now())
    response = await client.get(f"/ical/{token}.ics")
    assert response.status_code == 404
    assert "calendar" not in response.headers["content-type"]
    renewed = await new_feed(sqlite_store, seeded.volunteer_id, clock)
    assert (await client.get(f"/ical/{renewed}.ics")).status_code == 200
    assert (await client.get(f"/ical/{token}.ics")).status_code == 404

"""/broadcast and /broadcasts: audiences, the preview, the outbox rows, the opt-out."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dialogs.engine import Engine
from dialogs.events import Reply
from dialogs.flow import buttons
from storage.db import Store
from storage.models import Broadcast
from storage.statistics import broadcast_report
from tests.dialogs.coordination_helpers import (
    AACHEN_KEY,
    DUEREN_KEY,
    NOT_ALLOWED,
    OPERATOR,
    Delivered,
    add_municipality,
    add_organisation,
    add_person,
    audit_entries,
    make_engine,
    outbox,
)
from tests.fakes import FixedClock
from tests.harness import Chat

TEXT = "Sandbags needed at the Kaiserplatz tonight, 18:00!"


@dataclass
class World:
    aachen: int
    people: dict[str, int]


@pytest.fixture
def delivered() -> Delivered:
    return []


@pytest.fixture
def engine(sqlite_store: Store, clock: FixedClock, delivered: Delivered) -> Engine:
    return make_engine(sqlite_store, clock, delivered)


@pytest.fixture
async def world(sqlite_store: Store) -> World:
    """Volunteers in and around Aachen with different languages, interests and settings."""
    store = sqlite_store
    aachen = await add_municipality(store, "Aachen", "aachen", AACHEN_KEY)
    dueren = await add_municipality(store, "Düren", "dueren", DUEREN_KEY)
    organisation = await add_organisation(store, aachen)
    await add_organisation(store, dueren, "Düren hilft")
    people = {
        "anna": await add_person(store, "anna", postal_code="52062", interests=["children_youth"]),
        "ben": await add_person(
            store,
            "ben",
            locale="de",
            postal_code="52064",
            interests=["sport"],
            more_accounts=[("telegram", "4711")],
        ),
        "stolberg": await add_person(store, "stefan", postal_code="52222", interests=["sport"]),
        "nolocale": await add_person(store, "nora", locale=None, postal_code="52066"),
        "optout": await add_person(store, "otto", postal_code="52062", announcements=False),
        "gone": await add_person(store, "gina", postal_code="52062", unreachable=True),
        "dueren": await add_person(store, "dieter", postal_code="52349"),
        "admin": await add_person(store, "adam", admin_of=[organisation]),
        "cora": await add_person(store, "cora", coordinator_of=[aachen]),
    }
    return World(aachen, people)


def chat(engine: Engine, user: str) -> Chat:
    return Chat(engine, user=user, language_hint="en")


async def compose(cora: Chat, *choices: str) -> None:
    await cora.send("/broadcast")
    await cora.send(TEXT)
    for choice in choices:
        await cora.press(choice)


@pytest.mark.parametrize(
    ("choices", "people", "messages", "audience"),
    [
        (["All volunteers in Aachen"], 4, 5, "All volunteers in Aachen"),
        (["By interest", "Sport", "Done"], 2, 3, "interested in: Sport"),
        (["By interest", "Sport", "Children & youth", "Done"], 3, 4, "Children & youth, Sport"),
        (["By language", "Deutsch", "Done"], 2, 3, "who use: Deutsch"),
        (["By language", "English", "Done"], 2, 2, "who use: English"),
        (["Admins of organisations in Aachen"], 1, 1, "Admins of organisations in Aachen"),
    ],
)
async def test_audiences_count_people_who_take_announcements(
    engine: Engine, world: World, choices: list[str], people: int, messages: int, audience: str
) -> None:
    cora = chat(engine, "cora")
    await compose(cora, *choices)
    assert audience in cora.text
    reach = f"It reaches {people} {'person' if people == 1 else 'people'}"
    assert reach in cora.text
    assert (f"({messages} messages" in cora.text) == (messages != people)
    assert cora.labels[0] == f"Send to {people} {'person' if people == 1 else 'people'}"


@pytest.mark.parametrize(("radius", "people"), [("2 km", 2), ("10 km", 4)])
async def test_a_radius_audience_measures_from_the_postal_code(
    engine: Engine, world: World, radius: str, people: int
) -> None:
    cora = chat(engine, "cora")
    await compose(cora, "Around a postal code")
    await cora.send("52349")
    assert "52349 is not in Aachen" in cora.text
    await cora.send("hello")
    assert "five digits" in cora.text
    await cora.send("52062")
    await cora.press(radius)
    assert f"Volunteers within {radius} of 52062 Aachen" in cora.text
    assert f"It reaches {people} people" in cora.text


async def test_preview_then_one_outbox_row_per_account(
    sqlite_store: Store, engine: Engine, world: World
) -> None:
    cora = chat(engine, "cora")
    await compose(cora, "All volunteers in Aachen")
    preview = cora.last[1].text
    assert preview == f"📢 Announcement from Aachen:\n\n{TEXT}"
    assert "“Stop announcements” button" in cora.text
    assert await outbox(sqlite_store) == []
    await cora.press("Send to 4 people")
    assert "Queued 5 messages; I'll report progress." in cora.text
    rows = await outbox(sqlite_store)
    async with sqlite_store.transaction() as uow:
        [broadcast] = await broadcasts(uow)
    keys = sorted(row.dedup_key for row in rows)
    assert keys == sorted(
        f"broadcast:{broadcast.id}:{transport}:{user}"
        for transport, user in [
            ("console", "anna"),
            ("console", "ben"),
            ("telegram", "4711"),
            ("console", "stefan"),
            ("console", "nora"),
        ]
    )
    assert all(row.state == "pending" and row.broadcast_id == broadcast.id for row in rows)
    anna = next(row for row in rows if row.user_id == "anna")
    assert anna.payload == [
        {
            "text": f"📢 Announcement from Aachen:\n\n{TEXT}",
            "buttons": [[["Stop announcements", "@announcements_off"]]],
        }
    ]
    assert broadcast.total == 5 and broadcast.text == TEXT
    assert broadcast.audience == {"kind": "all", "people": 4}
    assert broadcast.author_id == world.people["cora"]
    [entry] = [e for e in await audit_entries(sqlite_store) if e.action == "broadcast_queued"]
    assert entry.role == "coordinator" and entry.target == f"broadcast:{broadcast.id}"
    assert entry.details["people"] == 4 and entry.details["messages"] == 5
    async with sqlite_store.transaction() as uow:
        report = await broadcast_report(uow, broadcast.id)
    assert report == {"pending": 5, "sending": 0, "sent": 0, "failed": 0, "blocked": 0, "total": 5}


async def broadcasts(uow) -> list[Broadcast]:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    return list((await uow.session.exec(select(Broadcast))).all())


async def test_broadcasts_show_progress_by_state(
    sqlite_store: Store, engine: Engine, world: World
) -> None:
    cora = chat(engine, "cora")
    await cora.send("/broadcasts")
    assert "No announcements yet" in cora.text
    await compose(cora, "All volunteers in Aachen", "Send to 4 people")
    rows = await outbox(sqlite_store)
    async with sqlite_store.transaction() as uow:
        for row, state in zip(rows, ["sent", "sent", "failed", "blocked", "sending"], strict=True):
            row.state = state
            uow.session.add(row)
    await cora.send("/broadcasts")
    assert "Aachen: “Sandbags needed at the Kaiserplatz tonight, 18:00!”" in cora.text
    assert "2 of 5 sent · waiting: 1 · failed: 1 · blocked: 1" in cora.text
    dora = await add_person(sqlite_store, "dora", coordinator_of=[world.aachen + 1])
    assert dora
    other = chat(engine, "dora")
    await other.send("/broadcasts")
    assert "No announcements yet" in other.text
    olga = chat(engine, OPERATOR)
    await olga.send("/broadcasts")
    assert "2 of 5 sent" in olga.text


async def test_cancel_and_change_send_nothing(
    sqlite_store: Store, engine: Engine, world: World
) -> None:
    cora = chat(engine, "cora")
    await compose(cora, "Admins of organisations in Aachen", "Change the audience")
    assert "Who should get it?" in cora.text
    await cora.press("By interest")
    await cora.press("Done")
    assert "Please choose at least one." in cora.text
    await cora.press("Civil protection")
    await cora.press("Done")
    assert "Nobody in this audience takes announcements right now." in cora.text
    assert cora.labels == ["Change the audience", "Cancel"]
    await cora.press("Cancel")
    assert "nothing was sent" in cora.text
    assert await outbox(sqlite_store) == []


async def test_rights_are_checked_again_when_sending(
    sqlite_store: Store, engine: Engine, world: World
) -> None:
    cora = chat(engine, "cora")
    await compose(cora, "All volunteers in Aachen")
    async with sqlite_store.transaction() as uow:
        await uow.governance.dismiss_coordinator(world.aachen, world.people["cora"])
    await cora.press("Send to 4 people")
    assert NOT_ALLOWED in cora.text
    assert await outbox(sqlite_store) == []


async def test_the_opt_out_button_of_a_delivered_announcement_works(
    sqlite_store: Store, engine: Engine, world: World
) -> None:
    cora = chat(engine, "cora")
    await compose(cora, "All volunteers in Aachen", "Send to 4 people")
    row = next(row for row in await outbox(sqlite_store) if row.user_id == "anna")
    payload = row.payload[0]
    anna = chat(engine, "anna")
    anna.last = await engine.push(
        anna.identity, [Reply(payload["text"], buttons=buttons(*payload["buttons"]))]
    )
    await anna.press("Stop announcements")
    assert "you will get no more announcements" in anna.text
    await cora.send("/broadcast")
    await cora.send("Second message")
    await cora.press("All volunteers in Aachen")
    assert "It reaches 3 people" in cora.text


async def test_an_operator_broadcasts_for_any_municipality(engine: Engine, world: World) -> None:
    olga = chat(engine, OPERATOR)
    await olga.send("/broadcast dueren")
    await olga.send("x" * 3001)
    assert "3,001 characters" in olga.text
    await olga.send("Hello Düren")
    await olga.press("All volunteers in Düren")
    assert "It reaches 1 person" in olga.text
    await olga.press("Send to 1 person")
    assert "Queued 1 message; I'll report progress." in olga.text

"""The real Matrix transport against a real Synapse, with a second nio client as the user."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from nio import AsyncClient, RoomCreateResponse, RoomMessageText, RoomSendResponse
from nio.event_builders import EnableEncryptionBuilder

from bot.matrix.transport import MatrixSettings, MatrixTransport
from dialogs.engine import Engine
from dialogs.flow import EngineConfig
from dialogs.setup import build_registry
from storage.db import Store
from storage.demo import load_demo_data
from tests.bot.matrix.synapse import MakeClient, SynapseServer, sync_once, unique_localpart
from tests.fakes import FixedClock

pytestmark = pytest.mark.slow


@dataclass
class BotUnderTest:
    synapse: SynapseServer
    store: Store
    store_path: Path
    user_id: str
    password: str
    clock: FixedClock
    transport: MatrixTransport | None = None
    engines: list[Engine] = field(default_factory=list)

    async def start(self) -> MatrixTransport:
        engine = Engine(self.store, build_registry(), EngineConfig(), clock=self.clock)
        self.engines.append(engine)
        self.transport = MatrixTransport(
            engine,
            MatrixSettings(
                homeserver=self.synapse.base_url,
                user_id=self.user_id,
                password=self.password,
                store_path=str(self.store_path),
                sync_timeout_ms=500,
                first_backoff=0.05,
            ),
        )
        engine.deliver = self.transport.deliver
        await self.transport.start()
        await asyncio.wait_for(self.transport.ready.wait(), 15)
        return self.transport

    async def stop(self) -> None:
        if self.transport is not None:
            await self.transport.stop()
            self.transport = None


@pytest.fixture
async def bot(
    synapse: SynapseServer, sqlite_store: Store, tmp_path: Path, clock: FixedClock
) -> AsyncIterator[BotUnderTest]:
    password = secrets.token_urlsafe(12)
    user = await asyncio.to_thread(synapse.register, unique_localpart("engage"), password)
    await load_demo_data(sqlite_store, now=clock.now())
    under_test = BotUnderTest(
        synapse, sqlite_store, tmp_path / "bot-store", user.user_id, password, clock
    )
    await under_test.start()
    try:
        yield under_test
    finally:
        await under_test.stop()


class Person:
    """The user's side: a matrix-nio client in a direct chat with the bot."""

    def __init__(self, client: AsyncClient, room_id: str) -> None:
        self.client, self.room_id = client, room_id
        self.received: list[RoomMessageText] = []
        self.others: list[Any] = []

    async def pull(self, bot_id: str) -> None:
        response = await sync_once(self.client, timeout_ms=300)
        room = response.rooms.join.get(self.room_id)
        for event in room.timeline.events if room else []:
            if event.sender != bot_id:
                continue
            if isinstance(event, RoomMessageText):
                self.received.append(event)
            elif "msgtype" in event.source.get("content", {}):  # files, images
                self.others.append(event)

    async def say(self, bot_id: str, text: str, *, replies: int = 1, within: float = 15) -> str:
        """Send, then wait for ``replies`` messages from the bot; return their bodies."""
        before = len(self.received)
        response = await self.client.room_send(
            self.room_id,
            "m.room.message",
            {"msgtype": "m.text", "body": text},
            ignore_unverified_devices=True,
        )
        assert isinstance(response, RoomSendResponse), response
        return await self.expect(bot_id, before + replies, within=within, since=before)

    async def expect(
        self, bot_id: str, total: int, *, within: float = 15, since: int | None = None
    ) -> str:
        """Wait until ``total`` bot messages arrived; return those after ``since``."""
        deadline = asyncio.get_running_loop().time() + within
        while len(self.received) < total:
            assert asyncio.get_running_loop().time() < deadline, self.bodies()
            await self.pull(bot_id)
        start = total - 1 if since is None else since
        return "\n".join(event.body for event in self.received[start:])

    def bodies(self) -> list[str]:
        return [event.body for event in self.received]


async def direct_chat(
    make_matrix_client: MakeClient, bot_id: str, *, encrypted: bool, name: str = "anna"
) -> Person:
    client = await make_matrix_client(name)
    await client.keys_upload()
    state = [EnableEncryptionBuilder().as_dict()] if encrypted else []
    created = await client.room_create(is_direct=True, invite=[bot_id], initial_state=state)
    assert isinstance(created, RoomCreateResponse), created
    person = Person(client, created.room_id)
    await until_joined(person, bot_id)
    return person


async def until_joined(person: Person, bot_id: str, within: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        room = person.client.rooms.get(person.room_id)
        if room is not None and bot_id in room.users:
            return
        assert asyncio.get_running_loop().time() < deadline, "the bot did not join"
        await person.pull(bot_id)


async def test_invite_join_and_onboarding_by_numbers_and_labels(
    bot: BotUnderTest, make_matrix_client: MakeClient
) -> None:
    anna = await direct_chat(make_matrix_client, bot.user_id, encrypted=False)
    text = await anna.say(bot.user_id, "/start", replies=2)
    assert "Bist du einverstanden?" in text
    assert "1. Ja, einverstanden" in text
    formatted = anna.received[-1].formatted_body or ""
    assert '<ol start="1">' in formatted and "<li>Ja, einverstanden</li>" in formatted
    await anna.say(bot.user_id, "1", replies=2)  # agree, by number
    await anna.say(bot.user_id, "English")  # by label: the language step
    await anna.say(bot.user_id, "/start")
    await anna.say(bot.user_id, "1")  # first interest
    await anna.say(bot.user_id, "Done")
    await anna.say(bot.user_id, "Done")
    assert "postal code" in anna.bodies()[-1]
    await anna.say(bot.user_id, "52062")
    await anna.say(bot.user_id, "Yes")
    await anna.say(bot.user_id, "10 km")
    await anna.say(bot.user_id, "Flexible, any time")
    summary = await anna.say(bot.user_id, "Instantly, for urgent needs")
    assert "Your profile:" in summary
    first_matches = await anna.say(bot.user_id, "Looks good", replies=4)
    assert "All set!" in first_matches and "fits:" in first_matches


async def test_encrypted_direct_chat_round_trip(
    bot: BotUnderTest, make_matrix_client: MakeClient
) -> None:
    anna = await direct_chat(make_matrix_client, bot.user_id, encrypted=True)
    reply = await anna.say(bot.user_id, "/help")
    assert "/cancel" in reply
    event = anna.received[-1]
    assert event.decrypted, "the bot's answer should have been encrypted"


async def test_restart_mid_dialog_and_messages_while_down(
    bot: BotUnderTest, make_matrix_client: MakeClient
) -> None:
    anna = await direct_chat(make_matrix_client, bot.user_id, encrypted=True)
    await anna.say(bot.user_id, "/language")
    await bot.stop()
    # Written while the bot is down: answered once after the restart.
    sent = await anna.client.room_send(
        anna.room_id,
        "m.room.message",
        {"msgtype": "m.text", "body": "English"},
        ignore_unverified_devices=True,
    )
    assert isinstance(sent, RoomSendResponse)
    count = len(anna.received)
    await bot.start()
    text = await anna.expect(bot.user_id, count + 1)
    assert "continue in English" in text
    await asyncio.sleep(1.5)
    await anna.pull(bot.user_id)
    assert sum("continue in English" in body for body in anna.bodies()) == 1
    # And the encrypted conversation goes on with the same device and keys.
    assert "/cancel" in await anna.say(bot.user_id, "/help")


async def test_group_room_ignores_chatter_but_answers_commands(
    bot: BotUnderTest, make_matrix_client: MakeClient
) -> None:
    anna = await make_matrix_client("anna")
    ben = await make_matrix_client("ben")
    created = await anna.room_create(name="Verein", invite=[bot.user_id, ben.user_id])
    assert isinstance(created, RoomCreateResponse)
    await sync_once(ben)
    await ben.join(created.room_id)
    group = Person(anna, created.room_id)
    await until_joined(group, bot.user_id)
    for chatter in ("Hallo zusammen", "Wer kommt morgen?"):
        await anna.room_send(
            created.room_id, "m.room.message", {"msgtype": "m.text", "body": chatter}
        )
    reply = await group.say(bot.user_id, "!help")
    assert "https://matrix.to/#/" in reply
    await asyncio.sleep(1.0)
    await group.pull(bot.user_id)
    assert len(group.received) == 1, group.bodies()


async def test_shared_location_and_data_export_file(
    bot: BotUnderTest, make_matrix_client: MakeClient
) -> None:
    anna = await direct_chat(make_matrix_client, bot.user_id, encrypted=True)
    before = len(anna.received)
    await anna.client.room_send(
        anna.room_id,
        "m.room.message",
        {"msgtype": "m.location", "body": "Aachen", "geo_uri": "geo:50.7766,6.0834"},
        ignore_unverified_devices=True,
    )
    assert "Standort" in await anna.expect(bot.user_id, before + 1)
    await anna.say(bot.user_id, "/start", replies=2)
    await anna.say(bot.user_id, "1", replies=2)
    await anna.say(bot.user_id, "/mydata")
    deadline = asyncio.get_running_loop().time() + 10
    while not anna.others:
        assert asyncio.get_running_loop().time() < deadline, "no file arrived"
        await anna.pull(bot.user_id)
    content = anna.others[-1].source["content"]
    assert content["msgtype"] == "m.file" and content["body"] == "engage-my-data.json"
    # In an encrypted room the file is encrypted too: a key, no plain URL.
    assert "file" in content and "url" not in content and content["file"]["key"]["k"]


async def test_rate_limited_bot_waits_and_loses_nothing(
    bot: BotUnderTest, make_matrix_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The homeserver answers M_LIMIT_EXCEEDED; every reply still arrives, in order."""
    admin = await asyncio.to_thread(
        bot.synapse.register, unique_localpart("admin"), secrets.token_urlsafe(12), True
    )
    await asyncio.to_thread(
        bot.synapse.request,
        "POST",
        f"/_synapse/admin/v1/users/{bot.user_id}/override_ratelimit",
        {"messages_per_second": 1, "burst_count": 1},
        access_token=admin.access_token,
    )
    anna = await direct_chat(make_matrix_client, bot.user_id, encrypted=False)
    await anna.say(bot.user_id, "/start", replies=2, within=30)
    await anna.say(bot.user_id, "/help", replies=3, within=30)
    assert anna.bodies()[0].startswith("Hallo!")
    assert "Das kann ich für dich tun" in anna.bodies()[2]
    assert "Bist du einverstanden?" in anna.bodies()[-1]
    assert any("ratelimited" in record.getMessage() for record in caplog.records)


async def test_the_bot_opens_a_direct_chat_to_tell_someone(
    bot: BotUnderTest, make_matrix_client: MakeClient
) -> None:
    """An organisation's admin with no chat yet is invited to a new encrypted direct chat."""
    from dialogs.events import Identity, Reply

    admin = await make_matrix_client("orgadmin")
    await admin.keys_upload()
    assert bot.transport is not None
    task = asyncio.create_task(
        bot.transport.deliver(
            Identity("matrix", admin.user_id, "!gone:engage.test"), [Reply("Neue Anmeldung")]
        )
    )
    deadline = asyncio.get_running_loop().time() + 15
    while not admin.invited_rooms:
        assert asyncio.get_running_loop().time() < deadline, "no invitation"
        await sync_once(admin, timeout_ms=300)
    room_id = next(iter(admin.invited_rooms))
    await admin.join(room_id)
    await task
    person = Person(admin, room_id)
    text = await person.expect(bot.user_id, 1)
    assert text == "Neue Anmeldung"
    assert person.received[-1].decrypted

"""The Matrix test homeserver works: plain and end-to-end encrypted chats, and no throttling.

These are the foundations the Matrix transport's tests stand on; the encrypted round trip also
documents the exact matrix-nio call sequence that makes E2E work by hand.
"""

from __future__ import annotations

import asyncio

import pytest
from nio import (
    AsyncClient,
    JoinResponse,
    KeysUploadResponse,
    MegolmEvent,
    RoomCreateResponse,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
)

from tests.bot.matrix.synapse import (
    MakeClient,
    SynapseServer,
    sync_once,
    sync_until,
    timeline,
    unique_localpart,
)

pytestmark = pytest.mark.slow

MEGOLM = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


def text(body: str) -> dict[str, str]:
    return {"msgtype": "m.text", "body": body}


async def invite_and_join(
    inviter: AsyncClient, invitee: AsyncClient, **room_options: object
) -> str:
    """`inviter` makes a room with `invitee` in it; returns once both have synced the join."""
    created = await inviter.room_create(invite=[invitee.user_id], **room_options)
    assert isinstance(created, RoomCreateResponse), created
    room_id = created.room_id
    await sync_until(invitee, lambda sync: room_id in sync.rooms.invite or None)
    joined = await invitee.join(room_id)
    assert isinstance(joined, JoinResponse), joined
    # The join response alone does not move the room into `invitee.rooms`; a sync does.
    await sync_until(invitee, lambda sync: room_id in sync.rooms.join or None)

    def invitee_joined(_: SyncResponse) -> bool | None:
        room = inviter.rooms.get(room_id)
        member = room.users.get(invitee.user_id) if room else None
        return (member is not None and not member.invited) or None

    await sync_until(inviter, invitee_joined)
    return room_id


def received(room_id: str, body: str, kind: type = RoomMessageText):
    """A `sync_until` condition: the first `kind` event in the room with that body."""

    def find(sync: SyncResponse) -> object | None:
        for event in timeline(sync, room_id):
            if isinstance(event, MegolmEvent):  # an undecryptable message is a failure, not noise
                raise AssertionError(f"could not decrypt {event.event_id}: {event}")
            if isinstance(event, kind) and getattr(event, "body", None) == body:
                return event
        return None

    return find


async def test_plain_room_message_reaches_the_invitee(make_matrix_client: MakeClient) -> None:
    alice = await make_matrix_client("alice")
    bob = await make_matrix_client("bob")
    room_id = await invite_and_join(alice, bob)

    sent = await alice.room_send(room_id, "m.room.message", text("Hallo Bob"))
    assert isinstance(sent, RoomSendResponse), sent

    event = await sync_until(bob, received(room_id, "Hallo Bob"))
    assert event.sender == alice.user_id
    assert not bob.rooms[room_id].encrypted


async def test_encrypted_direct_chat_round_trip(make_matrix_client: MakeClient) -> None:
    alice = await make_matrix_client("alice")
    bob = await make_matrix_client("bob")

    # 1. Each device publishes its identity and one-time keys, or nobody can encrypt to it.
    for client in (alice, bob):
        assert client.should_upload_keys
        assert isinstance(await client.keys_upload(), KeysUploadResponse)

    # 2. A DM that is encrypted from its first event on; both sides sync until Bob has joined.
    room_id = await invite_and_join(alice, bob, is_direct=True, initial_state=[MEGOLM])
    assert alice.rooms[room_id].encrypted
    assert bob.rooms[room_id].encrypted

    # 3. Alice sends without having verified Bob: his unverified device is marked "ignored",
    #    which still gives it the room key (room_send queries keys, claims a one-time key,
    #    opens an Olm session and shares the Megolm session on its own).
    sent = await alice.room_send(
        room_id, "m.room.message", text("Geheim, Bob"), ignore_unverified_devices=True
    )
    assert isinstance(sent, RoomSendResponse), sent

    # 4. Bob's sync brings the room key (to-device) before the timeline, so nio decrypts it.
    event = await sync_until(bob, received(room_id, "Geheim, Bob"))
    assert isinstance(event, RoomMessageText)
    assert event.decrypted and event.sender == alice.user_id

    # 5. Bob answers the other way round: he verifies Alice's device (known from the key
    #    query his syncs made), so no ignore flag is needed.
    alice_device = bob.device_store[alice.user_id][alice.device_id]
    bob.verify_device(alice_device)
    sent = await bob.room_send(room_id, "m.room.message", text("Verstanden, Alice"))
    assert isinstance(sent, RoomSendResponse), sent

    answer = await sync_until(alice, received(room_id, "Verstanden, Alice"))
    assert answer.decrypted and answer.sender == bob.user_id


async def test_fifty_quick_messages_are_not_rate_limited(make_matrix_client: MakeClient) -> None:
    alice = await make_matrix_client("alice")
    created = await alice.room_create()
    assert isinstance(created, RoomCreateResponse), created
    await sync_once(alice)

    # Synapse's default rc_message allows a burst of 10; all 50 at once would hit it.
    results = await asyncio.gather(
        *(alice.room_send(created.room_id, "m.room.message", text(f"#{n}")) for n in range(50))
    )
    failures = [result for result in results if not isinstance(result, RoomSendResponse)]
    assert not failures, failures[:3]


async def test_register_can_make_an_admin(synapse: SynapseServer) -> None:
    localpart = unique_localpart("admin")
    user = await asyncio.to_thread(synapse.register, localpart, "secret", True)
    assert user.user_id == f"@{localpart}:{synapse.server_name}"
    answer = await asyncio.to_thread(
        synapse.request,
        "GET",
        f"/_synapse/admin/v1/users/{user.user_id}/admin",
        access_token=user.access_token,
    )
    assert answer == {"admin": True}

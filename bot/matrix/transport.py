"""Matrix transport on matrix-nio with end-to-end encryption (vodozemac).

The sync token and the encryption keys live in ``store_path``, together with
the device's login, so a restart keeps its device and keys, neither replays
old history nor misses what arrived while the bot was down. Direct chats are
conversations; in group rooms the bot answers only commands and mentions.

Device trust is "trust on first use": messages are encrypted for every device
of the people in the room, verified or not (docs/matrix.md explains how an
operator verifies the bot's own device).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    JoinError,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    RoomCreateResponse,
    RoomMemberEvent,
    RoomMessageText,
    RoomMessageUnknown,
    RoomSendResponse,
    SyncError,
    SyncResponse,
    UploadResponse,
)
from nio.event_builders import EnableEncryptionBuilder

from bot.matrix.render import message_contents
from bot.outbox import Outcome
from dialogs.engine import Engine
from dialogs.events import Event, Identity, LocationShared, Reply, TextMessage, parse_command
from dialogs.i18n import Translator

log = logging.getLogger(__name__)
TRANSPORT = "matrix"
_GEO = re.compile(r"^geo:(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class MatrixSettings:
    homeserver: str
    user_id: str
    password: str | None = None
    access_token: str | None = None
    device_id: str | None = None
    store_path: str = "var/matrix"
    sync_timeout_ms: int = 30_000
    max_attempts: int = 6
    first_backoff: float = 0.5


class MatrixTransport:
    name = TRANSPORT

    def __init__(self, engine: Engine, settings: MatrixSettings) -> None:
        self.engine = engine
        self.settings = settings
        Path(settings.store_path).mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            settings.homeserver,
            settings.user_id,
            device_id=settings.device_id,
            store_path=settings.store_path,
            config=AsyncClientConfig(
                encryption_enabled=True, store_sync_tokens=True, max_timeouts=None
            ),
        )
        self._sync_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._live = False  # false during a first sync: old history is not answered
        self.ready = asyncio.Event()
        self.sync_ok = False  # the last sync succeeded (for /healthz)
        # Replies for direct chats the bot opened, sent once the invitee has joined:
        # before that their devices cannot receive the room's encryption keys.
        self._waiting: dict[str, list[Reply]] = {}

    # -- lifecycle -------------------------------------------------------------

    @property
    def _credentials(self) -> Path:
        return Path(self.settings.store_path) / "credentials.json"

    async def _log_in(self) -> None:
        """Reuse the device (and so its keys) from an earlier run whenever possible."""
        saved = self._saved_credentials()
        if saved:
            self.client.restore_login(saved["user_id"], saved["device_id"], saved["access_token"])
            return
        if self.settings.access_token:
            if not self.settings.device_id:
                raise RuntimeError("ENGAGE_MATRIX_DEVICE_ID is needed with an access token")
            self.client.restore_login(
                self.settings.user_id, self.settings.device_id, self.settings.access_token
            )
            return
        response = await self.client.login(self.settings.password, device_name="Engage bot")
        if not isinstance(response, LoginResponse):
            raise RuntimeError(f"Matrix login failed: {response}")
        self._credentials.write_text(
            json.dumps(
                {
                    "user_id": response.user_id,
                    "device_id": response.device_id,
                    "access_token": response.access_token,
                }
            )
        )
        os.chmod(self._credentials, 0o600)

    def _saved_credentials(self) -> dict[str, str] | None:
        try:
            saved = json.loads(self._credentials.read_text())
        except (OSError, ValueError):
            return None
        return saved if saved.get("user_id") == self.settings.user_id else None

    async def start(self) -> None:
        await self._log_in()
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)  # type: ignore[arg-type]
        self.client.add_event_callback(self._on_member, RoomMemberEvent)  # type: ignore[arg-type]
        self.client.add_event_callback(
            self._on_message,  # type: ignore[arg-type]
            (RoomMessageText, RoomMessageUnknown, MegolmEvent),
        )
        fingerprint = self.client.olm.account.identity_keys["ed25519"] if self.client.olm else "?"
        log.info(
            "Matrix transport running as %s, device %s (ed25519 %s)",
            self.client.user_id,
            self.client.device_id,
            fingerprint,
        )
        self._sync_task = asyncio.create_task(self._sync_forever())

    @property
    def connected(self) -> bool:
        task = self._sync_task
        return self.sync_ok and task is not None and not task.done()

    async def stop(self) -> None:
        if self._sync_task is not None:
            self._sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sync_task
            self._sync_task = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.client.close()

    async def _sync_forever(self) -> None:
        fresh = not self.client.loaded_sync_token
        self._live = not fresh
        backoff = self.settings.first_backoff
        timeout = 0
        while True:
            response = await self.client.sync(timeout=timeout, full_state=timeout == 0)
            if isinstance(response, SyncError) or not isinstance(response, SyncResponse):
                log.warning("Matrix sync failed: %s", response)
                self.sync_ok = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = self.settings.first_backoff
            timeout = self.settings.sync_timeout_ms
            await self._key_upkeep()
            self._live = True
            self.sync_ok = True
            self.ready.set()

    async def _key_upkeep(self) -> None:
        """What nio's sync_forever does between syncs, so encryption keeps working."""
        client = self.client
        with contextlib.suppress(Exception):
            await client.send_to_device_messages()
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())

    # -- incoming --------------------------------------------------------------

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key != self.client.user_id or event.membership != "invite":
            return
        response = await self.client.join(room.room_id)
        if isinstance(response, JoinError):
            log.warning("could not join %s: %s", room.room_id, response)

    async def _on_member(self, room: MatrixRoom, event: RoomMemberEvent) -> None:
        if event.membership != "join" or event.state_key == self.client.user_id:
            return
        waiting = self._waiting.pop(room.room_id, None)
        if waiting:
            task = asyncio.create_task(self.send_to_room(room.room_id, waiting))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _on_message(self, room: MatrixRoom, event: Any) -> None:
        if event.sender == self.client.user_id or not self._live:
            return
        task = asyncio.create_task(self._handle(room, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def is_direct(self, room: MatrixRoom) -> bool:
        return room.member_count <= 2

    def event_for(self, room: MatrixRoom, event: Any) -> Event | None:
        meta: dict[str, Any] = {
            "identity": Identity(TRANSPORT, event.sender, room.room_id),
            "event_id": event.event_id,
            "sender_name": room.user_name(event.sender),
        }
        if isinstance(event, MegolmEvent):
            return None
        if isinstance(event, RoomMessageText):
            text = event.body
            if text.startswith("!") and parse_command("/" + text[1:]) is not None:
                text = "/" + text[1:]
            return TextMessage(text=text, **meta)
        content = event.source.get("content", {})
        if content.get("msgtype") == "m.location":
            match = _GEO.match(content.get("geo_uri", ""))
            if match:
                return LocationShared(
                    latitude=float(match.group(1)), longitude=float(match.group(2)), **meta
                )
        return TextMessage(text="", **meta)  # images, files…: the engine answers kindly

    async def _handle(self, room: MatrixRoom, event: Any) -> None:
        try:
            if isinstance(event, MegolmEvent):
                await self._undecryptable(room, event)
                return
            if not self.is_direct(room):
                await self._on_group_message(room, event)
                return
            incoming = self.event_for(room, event)
            if incoming is None:
                return
            replies = await self.engine.handle(incoming)
            await self.send_to_room(room.room_id, replies)
        except Exception:
            log.exception("failed to handle Matrix event %s", getattr(event, "event_id", "?"))

    async def _undecryptable(self, room: MatrixRoom, event: MegolmEvent) -> None:
        """Ask the sender's devices for the key, and tell them to try again."""
        with contextlib.suppress(Exception):
            await self.client.request_room_key(event)
        t = Translator(self.engine.config.default_locale, self.engine.config.tz)
        await self.send_to_room(
            room.room_id,
            [Reply(t.gettext("I could not decrypt your message. Please send it once more."))],
        )

    def _addressed_to_me(self, event: Any) -> bool:
        if not isinstance(event, RoomMessageText):
            return False
        body = event.body.strip()
        if body[:1] in "!/" and parse_command("/" + body[1:]) is not None:
            return True
        return self.client.user_id in body or (
            "formatted_body" in event.source.get("content", {})
            and self.client.user_id in event.source["content"]["formatted_body"]
        )

    async def _on_group_message(self, room: MatrixRoom, event: Any) -> None:
        if not self._addressed_to_me(event):
            return
        t = Translator(self.engine.config.default_locale, self.engine.config.tz)
        link = f"https://matrix.to/#/{self.client.user_id}"
        await self.send_to_room(
            room.room_id,
            [
                Reply(
                    t.gettext(
                        "Let's talk in a private chat, so your details stay between us: {link}",
                        link=link,
                    )
                )
            ],
        )

    # -- outgoing --------------------------------------------------------------

    async def deliver(self, identity: Identity, replies: list[Reply]) -> Outcome:
        """Messages the bot sends on its own; opens a direct chat if there is none.

        In a new chat the replies wait until the person has joined (see ``_waiting``).
        """
        if identity.chat_id in self.client.rooms:
            return await self.send_to_room(identity.chat_id, replies)
        room_id = await self.open_direct_chat(identity.user_id)
        if room_id is None:
            return "retry"
        self._waiting.setdefault(room_id, []).extend(replies)
        return "sent"

    async def open_direct_chat(self, user_id: str) -> str | None:
        response = await self.client.room_create(
            is_direct=True,
            invite=[user_id],
            initial_state=[EnableEncryptionBuilder().as_dict()],
        )
        if isinstance(response, RoomCreateResponse):
            return response.room_id
        log.warning("could not open a direct chat with %s: %s", user_id, response)
        return None

    async def send_to_room(self, room_id: str, replies: list[Reply]) -> Outcome:
        """Send an answer; after the first failure the rest is not attempted."""
        contents = message_contents([r for r in replies if r.attachment is None])
        for content in contents:
            if (outcome := await self._send(room_id, content)) != "sent":
                return outcome
        for reply in replies:
            if reply.attachment is not None:
                await self._send_attachment(room_id, reply)
        return "sent"

    async def _send_attachment(self, room_id: str, reply: Reply) -> None:
        attachment = reply.attachment
        assert attachment is not None
        room = self.client.rooms.get(room_id)
        encrypted = bool(room and room.encrypted)
        upload, keys = await self.client.upload(
            io.BytesIO(attachment.content),
            content_type=attachment.mime_type,
            filename=attachment.filename,
            encrypt=encrypted,
            filesize=len(attachment.content),
        )
        if not isinstance(upload, UploadResponse):
            log.error("upload of %s failed: %s", attachment.filename, upload)
            return
        content: dict[str, Any] = {
            "msgtype": "m.image" if attachment.kind == "image" else "m.file",
            "body": attachment.filename,
            "info": {"mimetype": attachment.mime_type, "size": len(attachment.content)},
        }
        if encrypted and keys:  # an encrypted room gets an encrypted file
            content["file"] = {"url": upload.content_uri, **keys}
        else:
            content["url"] = upload.content_uri
        await self._send(room_id, content)
        if reply.text:
            await self.send_to_room(room_id, [Reply(reply.text)])

    async def _send(self, room_id: str, content: dict[str, Any]) -> Outcome:
        """nio waits out M_LIMIT_EXCEEDED by itself; other failures are retried here."""
        delay = self.settings.first_backoff
        for attempt in range(1, self.settings.max_attempts + 1):
            try:
                response = await self.client.room_send(
                    room_id, "m.room.message", content, ignore_unverified_devices=True
                )
            except Exception as error:  # network trouble inside nio
                response = error
            if isinstance(response, RoomSendResponse):
                return "sent"
            status = getattr(response, "status_code", None)
            if status in ("M_FORBIDDEN", "M_NOT_FOUND"):
                log.error("Matrix refused a message to %s: %s", room_id, response)
                return "blocked"
            if status == "M_UNKNOWN_TOKEN":
                log.error("the bot's Matrix login is no longer valid: %s", response)
                return "retry"
            log.warning("Matrix send to %s failed (%s), try %d", room_id, response, attempt)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
        log.error("giving up on a message to %s", room_id)
        return "retry"

"""/needs: sign-ups by chosen name, closing, filling, editing and cancelling a need."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from dialogs.engine import Engine
from dialogs.events import Identity
from storage.db import Store
from storage.models import SignUp
from tests.dialogs import posting_support
from tests.dialogs.posting_support import (
    ADMIN,
    KITA,
    TAFEL,
    Delivered,
    audit_actions,
    make_admin,
    posted_needs,
    press_on,
    press_value,
    publish_message,
    volunteer,
)
from tests.harness import Chat

# The shared fixtures, made available to this module's tests.
admin, delivered = posting_support.admin, posting_support.delivered
engine, published = posting_support.engine, posting_support.published


# -- /needs and managing -----------------------------------------------------------------


async def test_needs_lists_sign_ups_by_chosen_name_only(sqlite_store: Store, admin: Chat) -> None:
    need = await publish_message(admin, sqlite_store)
    assert need.id is not None
    await volunteer(sqlite_store, "vol-1", need.id, "Anna B.")
    await volunteer(sqlite_store, "vol-2", need.id, None)
    await admin.send("/needs")
    text = admin.text
    assert "Tafel-Ausgabe" in text and "2 of 3 signed up" in text and "1 spot left" in text
    assert "Signed up: Anna B., a volunteer" in text
    assert "vol-1" not in text and "vol-2" not in text
    assert "Status: open" in text
    [card] = [reply for reply in admin.last if reply.text.startswith("Tafel-Ausgabe\n")]
    assert [b.label for b in card.flat_buttons] == ["Close", "Mark filled", "Edit", "Cancel need"]


async def test_needs_without_admin_rights_is_refused(engine: Engine) -> None:
    chat = Chat(engine, user="vol", language_hint="en")
    await chat.send("/needs")
    assert "not allowed" in chat.text


async def test_close_filled_and_reopen_with_replays(
    sqlite_store: Store, engine: Engine, admin: Chat
) -> None:
    need = await publish_message(admin, sqlite_store)
    await admin.send("/needs")
    await press_on(admin, "Tafel-Ausgabe", "Mark filled")
    assert "Marked as filled" in admin.text
    await admin.send("/needs")
    assert "Status: filled" in admin.text and "Reopen" in admin.labels
    await press_on(admin, "Tafel-Ausgabe", "Close")
    assert "Closed: “Tafel-Ausgabe”" in admin.text
    replayed = await press_value(engine, ADMIN, f"@need_close:{need.id}", "telegram")
    assert "is closed already – nothing changed" in replayed
    await admin.send("/needs")
    await press_on(admin, "Tafel-Ausgabe", "Reopen")
    assert "is open again" in admin.text
    [need] = await posted_needs(sqlite_store)
    assert need.status == "open"
    actions = await audit_actions(sqlite_store)
    assert actions == ["need_publish", "need_filled", "need_close", "need_reopen"]


async def test_cancelling_a_need_asks_first_and_tells_the_volunteers(
    sqlite_store: Store, engine: Engine, admin: Chat, delivered: Delivered
) -> None:
    need = await publish_message(admin, sqlite_store)
    assert need.id is not None
    await volunteer(sqlite_store, "vol-1", need.id, "Anna B.")
    await admin.send("/needs")
    await press_on(admin, "Tafel-Ausgabe", "Cancel need")
    assert "Really cancel “Tafel-Ausgabe”" in admin.text
    assert "1 signed-up volunteer will be told." in admin.text
    await admin.press("No, keep it")
    assert "stays as it is" in admin.text
    assert (await posted_needs(sqlite_store))[0].status == "open" and delivered == []

    await admin.send("/needs")
    await press_on(admin, "Tafel-Ausgabe", "Cancel need")
    await admin.press("Yes, cancel the need")
    assert "Cancelled: “Tafel-Ausgabe”. 1 signed-up volunteer has been told." in admin.text
    [(to, replies)] = delivered
    assert to == Identity("console", "vol-1", "vol-1")
    assert "Aachener Tafel-Freunde e.V. has cancelled “Tafel-Ausgabe”" in replies[0].text
    assert "Saturday, 6 June" in replies[0].text
    [need] = await posted_needs(sqlite_store)
    assert need.status == "cancelled"
    async with sqlite_store.transaction() as uow:
        signups = (await uow.session.exec(select(SignUp))).all()
    assert [s.status for s in signups] == ["cancelled"]
    assert "need_cancel" in await audit_actions(sqlite_store)
    again = await press_value(engine, ADMIN, f"@need_cancel_yes:{need.id}", "telegram")
    assert "is cancelled already" in again and len(delivered) == 1
    edit = await press_value(engine, ADMIN, f"@need_edit:{need.id}", "telegram")
    assert "can't be changed any more" in edit


async def test_editing_the_time_tells_signed_up_volunteers(
    sqlite_store: Store, admin: Chat, delivered: Delivered
) -> None:
    need = await publish_message(admin, sqlite_store)
    assert need.id is not None
    await volunteer(sqlite_store, "vol-1", need.id, "Anna B.")
    await admin.send("/needs")
    await press_on(admin, "Tafel-Ausgabe", "Edit")
    assert "Your need with the changes:" in admin.text and "Save changes" in admin.labels
    await admin.press("Edit time")
    await admin.send("übermorgen 10–12 Uhr")
    assert "When: Sunday, 7 June" in admin.text
    await admin.press("Save changes")
    assert "Saved. 1 signed-up volunteer has been told about the change." in admin.text
    [(to, replies)] = delivered
    assert to.user_id == "vol-1"
    assert "Change for “Tafel-Ausgabe”" in replies[0].text and "Sunday, 7 June" in replies[0].text
    assert "Adalbertsteinweg 20" in replies[0].text
    [need] = await posted_needs(sqlite_store)
    assert need.starts_at == datetime(2026, 6, 7, 8, 0, tzinfo=UTC)
    assert "need_edit" in await audit_actions(sqlite_store)


async def test_editing_only_the_title_tells_nobody_and_count_keeps_sign_ups(
    sqlite_store: Store, admin: Chat, delivered: Delivered
) -> None:
    need = await publish_message(admin, sqlite_store)
    assert need.id is not None
    await volunteer(sqlite_store, "vol-1", need.id, "Anna B.")
    await volunteer(sqlite_store, "vol-2", need.id, "Ben")
    await admin.send("/needs")
    await press_on(admin, "Tafel-Ausgabe", "Edit")
    await admin.press("Edit people")
    await admin.send("1")
    await admin.press("Save changes")
    assert "2 people have signed up already" in admin.text
    await admin.send("2")
    await admin.press("Edit title")
    await admin.send("Ausgabe")
    await admin.press("Save changes")
    assert admin.text == "Saved."
    assert delivered == []
    [need] = await posted_needs(sqlite_store)
    assert (need.title, need.capacity) == ("Ausgabe", 2)


@pytest.mark.parametrize(
    "action", ["need_close", "need_filled", "need_edit", "need_cancel", "need_cancel_yes"]
)
async def test_forged_actions_from_a_non_admin_are_refused(
    sqlite_store: Store, engine: Engine, admin: Chat, delivered: Delivered, action: str
) -> None:
    need = await publish_message(admin, sqlite_store)
    assert need.id is not None
    await volunteer(sqlite_store, "vol-1", need.id, "Anna B.")
    answer = await press_value(engine, "mallory", f"@{action}:{need.id}")
    assert "Sorry, you are not allowed to do that." in answer
    assert "not allowed" in await press_value(engine, "mallory", f"@{action}:999")
    [need] = await posted_needs(sqlite_store)
    assert need.status == "open" and delivered == []


async def test_an_admin_of_another_organisation_is_refused(
    sqlite_store: Store, engine: Engine, admin: Chat
) -> None:
    need = await publish_message(admin, sqlite_store)
    await make_admin(sqlite_store, KITA, user="kita-admin")
    for action in ("need_cancel_yes", "need_close", "need_edit"):
        answer = await press_value(engine, "kita-admin", f"@{action}:{need.id}", "telegram")
        assert "not allowed" in answer
    kita = Chat(engine, user="kita-admin", transport="telegram", language_hint="en")
    await kita.send("/needs")
    assert "Tafel-Ausgabe\n" not in kita.text and TAFEL not in kita.text
    [need] = await posted_needs(sqlite_store)
    assert need.status == "open"
    assert await audit_actions(sqlite_store) == ["need_publish"]

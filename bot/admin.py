"""``engage admin``: the first set-up without a chat.

Before anyone coordinates anything, somebody with access to the server adds the
municipality and appoints its first coordinator – who may never have written to the
bot yet, so their person and messenger account are created here. Every change is
written to the audit log with the role "cli".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from bot.config import TRANSPORTS, Settings
from dialogs.coordination_common import check_new_municipality
from storage.db import Store
from storage.migrate import upgrade
from storage.models import Municipality
from storage.repositories import UnitOfWork

PROBLEMS = {
    "district": "unknown district key {key!r}: use the five-digit Kreis key, e.g. 05334",
    "name": "the name needs letters and at most 200 characters",
    "slug": "there is already a municipality called {existing!r}",
    "taken": "district {key} already belongs to {existing!r}",
}


def add_admin_parser(subparsers: Any) -> None:
    """Add ``admin`` and its subcommands to the ``engage`` command line."""
    admin = subparsers.add_parser("admin", help="set up municipalities and coordinators")
    commands = admin.add_subparsers(dest="admin_command", required=True)

    municipality = commands.add_parser("municipality", help="add or list municipalities")
    what = municipality.add_subparsers(dest="admin_action", required=True)
    add = what.add_parser("add", help="add a municipality for a district (Kreis)")
    add.add_argument("district_key", help="five-digit district key, e.g. 05334")
    add.add_argument("name", nargs="+", help="the municipality's name, e.g. Aachen")
    what.add_parser("list", help="list the municipalities")

    coordinator = commands.add_parser("coordinator", help="appoint or list coordinators")
    what = coordinator.add_subparsers(dest="admin_action", required=True)
    add = what.add_parser("add", help="appoint a coordinator by messenger account")
    add.add_argument("slug", help="the municipality's short name (see municipality list)")
    add.add_argument("account", help="transport:user_id, e.g. telegram:12345")
    listing = what.add_parser("list", help="list a municipality's coordinators")
    listing.add_argument("slug")

    audit = commands.add_parser("audit", help="show the latest audit log entries")
    audit.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")


def run_admin(args: argparse.Namespace, settings: Settings) -> int:
    """Run one admin command; 0 on success, 1 when the input was refused."""
    upgrade(settings.database_url)
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    store = Store.connect(settings.database_url)
    try:
        async with store.transaction() as uow:
            command = (args.admin_command, getattr(args, "admin_action", None))
            if command == ("municipality", "add"):
                return await add_municipality(uow, args.district_key, " ".join(args.name))
            if command == ("municipality", "list"):
                return await list_municipalities(uow)
            if command == ("coordinator", "add"):
                return await add_coordinator(uow, args.slug, args.account)
            if command == ("coordinator", "list"):
                return await list_coordinators(uow, args.slug)
            return await show_audit(uow, args.limit)
    finally:
        await store.dispose()


def fail(message: str) -> int:
    print(f"engage admin: {message}", file=sys.stderr)
    return 1


async def add_municipality(uow: UnitOfWork, district_key: str, name: str) -> int:
    draft = await check_new_municipality(uow, district_key, name)
    if draft.problem:
        return fail(PROBLEMS[draft.problem].format(key=draft.district_key, existing=draft.existing))
    municipality = await uow.municipalities.add(
        Municipality(name=draft.name, slug=draft.slug, district_key=draft.district_key)
    )
    await uow.governance.audit(
        None,
        "cli",
        "municipality_added",
        f"municipality:{municipality.id}",
        now=datetime.now(UTC),
        district_key=draft.district_key,
    )
    print(f"added {municipality.name} ({municipality.slug}) for district {draft.district_key}")
    return 0


async def list_municipalities(uow: UnitOfWork) -> int:
    municipalities = await uow.governance.municipalities()
    if not municipalities:
        print("no municipalities yet: engage admin municipality add <district-key> <name>")
    for municipality in municipalities:
        assert municipality.id is not None
        count = len(await uow.governance.coordinators(municipality.id))
        print(
            f"{municipality.slug}\t{municipality.name}\tdistrict {municipality.district_key}"
            f"\t{count} coordinator(s)"
        )
    return 0


def parse_account(text: str) -> tuple[str, str] | None:
    transport, separator, user_id = text.strip().partition(":")
    if not separator or transport not in TRANSPORTS or not user_id.strip():
        return None
    return transport, user_id.strip()


async def add_coordinator(uow: UnitOfWork, slug: str, account: str) -> int:
    parsed = parse_account(account)
    if parsed is None:
        return fail(f"{account!r} is not transport:user_id ({', '.join(TRANSPORTS)})")
    municipality = await uow.municipalities.by_slug(slug.casefold())
    if municipality is None or municipality.id is None:
        return fail(f"no municipality {slug!r}; see: engage admin municipality list")
    transport, user_id = parsed
    person = await uow.people.by_account(transport, user_id)
    if person is None:
        # Telegram's private chat id is the user id; Matrix opens a direct chat when needed.
        person = await uow.people.create_with_account(
            transport=transport, user_id=user_id, chat_id=user_id
        )
    assert person.id is not None
    if not await uow.governance.appoint_coordinator(municipality.id, person.id):
        print(f"{transport}:{user_id} already coordinates {municipality.name}")
        return 0
    await uow.governance.audit(
        None,
        "cli",
        "coordinator_appointed",
        f"municipality:{municipality.id}",
        now=datetime.now(UTC),
        person=person.id,
    )
    print(f"{transport}:{user_id} (person {person.id}) now coordinates {municipality.name}")
    return 0


async def list_coordinators(uow: UnitOfWork, slug: str) -> int:
    municipality = await uow.municipalities.by_slug(slug.casefold())
    if municipality is None or municipality.id is None:
        return fail(f"no municipality {slug!r}; see: engage admin municipality list")
    people = await uow.governance.coordinators(municipality.id)
    if not people:
        print(f"{municipality.name} has no coordinators yet")
    for person in people:
        assert person.id is not None
        accounts = ", ".join(
            f"{a.transport}:{a.user_id}" for a in await uow.people.accounts_of(person.id)
        )
        print(f"person {person.id}\t{person.display_name or '-'}\t{accounts}")
    return 0


async def show_audit(uow: UnitOfWork, limit: int) -> int:
    for entry in await uow.governance.audit_log(max(1, limit)):
        details = json.dumps(entry.details, ensure_ascii=False, sort_keys=True)
        actor = "-" if entry.actor_id is None else f"person {entry.actor_id}"
        print(
            f"{entry.at.isoformat(timespec='seconds')}\t{entry.role}\t{actor}\t"
            f"{entry.action}\t{entry.target}\t{details}"
        )
    return 0

"""``engage admin``: the first set-up without a chat, against a migrated SQLite file."""

from __future__ import annotations

import argparse
import asyncio

import pytest

from bot.admin import add_admin_parser, run_admin
from bot.config import Settings
from storage.db import Store


def admin(url: str, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="engage")
    add_admin_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["admin", *argv])
    return run_admin(args, Settings(database_url=url))


def person_of(url: str, transport: str, user_id: str) -> tuple[int | None, frozenset[int]]:
    async def look() -> tuple[int | None, frozenset[int]]:
        store = Store.connect(url)
        try:
            async with store.transaction() as uow:
                person = await uow.people.by_account(transport, user_id)
                if person is None or person.id is None:
                    return None, frozenset()
                return person.id, await uow.governance.coordinated_by(person.id)
        finally:
            await store.dispose()

    return asyncio.run(look())


def test_first_set_up_municipality_coordinator_and_audit(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin(sqlite_url, "municipality", "list") == 0
    assert "no municipalities yet" in capsys.readouterr().out

    assert admin(sqlite_url, "municipality", "add", "05334", "Städteregion", "Aachen") == 0
    assert "added Städteregion Aachen (staedteregion-aachen) for district 05334" in (
        capsys.readouterr().out
    )
    assert admin(sqlite_url, "municipality", "list") == 0
    out = capsys.readouterr().out
    assert "staedteregion-aachen\tStädteregion Aachen\tdistrict 05334\t0 coordinator(s)" in out

    # The coordinator has never written to the bot: their person and account are created.
    assert admin(sqlite_url, "coordinator", "add", "staedteregion-aachen", "telegram:4711") == 0
    assert "telegram:4711 (person 1) now coordinates Städteregion Aachen" in (
        capsys.readouterr().out
    )
    person_id, coordinates = person_of(sqlite_url, "telegram", "4711")
    assert person_id == 1 and coordinates == frozenset({1})
    assert admin(sqlite_url, "coordinator", "add", "staedteregion-aachen", "telegram:4711") == 0
    assert "already coordinates" in capsys.readouterr().out
    assert admin(sqlite_url, "coordinator", "list", "staedteregion-aachen") == 0
    assert "person 1\t-\ttelegram:4711" in capsys.readouterr().out

    assert admin(sqlite_url, "audit", "--limit", "5") == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert "\tcli\t-\tcoordinator_appointed\tmunicipality:1\t" in lines[0]
    assert '{"person": 1}' in lines[0]
    assert "\tcli\t-\tmunicipality_added\tmunicipality:1\t" in lines[1]
    assert '{"district_key": "05334"}' in lines[1]


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["municipality", "add", "99999", "Nowhere"], "unknown district key '99999'"),
        (["municipality", "add", "05334", "Aachen"], "there is already a municipality"),
        (["municipality", "add", "05334", "Other"], "district 05334 already belongs to 'Aachen'"),
        (["coordinator", "add", "aachen", "fax:123"], "is not transport:user_id"),
        (["coordinator", "add", "aachen", "telegram:"], "is not transport:user_id"),
        (["coordinator", "add", "nowhere", "telegram:1"], "no municipality 'nowhere'"),
        (["coordinator", "list", "nowhere"], "no municipality 'nowhere'"),
    ],
)
def test_refused_input_exits_with_1_and_one_clear_line(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], argv: list[str], error: str
) -> None:
    assert admin(sqlite_url, "municipality", "add", "05334", "Aachen") == 0
    capsys.readouterr()
    assert admin(sqlite_url, *argv) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("engage admin: ") and error in captured.err
    assert admin(sqlite_url, "audit") == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1  # only the first addition


def test_missing_arguments_are_argparse_errors(sqlite_url: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        admin(sqlite_url, "coordinator", "add", "aachen")
    assert exit_info.value.code == 2

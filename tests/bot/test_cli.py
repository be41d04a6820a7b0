"""The ``engage`` command as a newcomer uses it: a real subprocess, scripted stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def engage(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ENGAGE_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), **(env or {})},
    )


def test_piped_chat_answers_in_german_and_exits_at_end_of_input(tmp_path: Path) -> None:
    result = engage("chat", stdin="/start\n1\n2\n/help\n/nonsense\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Hallo! Ich bin Engage" in out
    assert "  3) 🌐 English" in out
    assert "  1) Deutsch\n  2) English" in out
    assert "What would you like to help with?" in out
    assert "I don't know the command /nonsense" in out
    assert "Traceback" not in result.stderr
    assert (tmp_path / "var" / "engage.db").exists()


def test_run_without_messengers_migrates_loads_demo_data_and_chats(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    result = engage(
        "run", stdin="/help\n", cwd=tmp_path, env={"ENGAGE_DATABASE_URL": f"sqlite:///{db}"}
    )
    assert result.returncode == 0, result.stderr
    assert "/cancel" in result.stdout
    import sqlite3

    with sqlite3.connect(db) as conn:
        organisations = conn.execute("SELECT count(*) FROM organisation WHERE is_demo").fetchone()
        needs = conn.execute("SELECT count(*) FROM need WHERE is_demo").fetchone()
    assert organisations[0] >= 15 and needs[0] >= 20
    # A second start keeps the data as it is: nothing duplicated.
    engage("run", stdin="", cwd=tmp_path, env={"ENGAGE_DATABASE_URL": f"sqlite:///{db}"})
    with sqlite3.connect(db) as conn:
        again = conn.execute("SELECT count(*) FROM organisation").fetchone()
    assert again == organisations


def test_bad_configuration_gives_one_line_per_problem_and_exit_code_2(tmp_path: Path) -> None:
    result = engage(
        "run",
        cwd=tmp_path,
        env={"ENGAGE_TIMEZONE": "Nowhere/Land", "ENGAGE_DEFAULT_LOCALE": "tlh"},
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("engage: ENGAGE_DEFAULT_LOCALE")
    assert lines[1].startswith("engage: ENGAGE_TIMEZONE")


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    result = engage(
        "db",
        "upgrade",
        cwd=tmp_path,
        env={"ENGAGE_DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:1/none"},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "secret" not in result.stderr
    assert "is not usable" in result.stderr


def test_arabic_chat_reads_plainly_and_survives_a_terminal_without_utf8(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    from dialogs.i18n import Translator

    ar = Translator("ar", ZoneInfo("Europe/Berlin"))
    steps = "/start\n1\n4\n2\n/help\n"  # agree, choose العربية (4th), first interest, help
    result = engage("chat", stdin=steps, env={"LANG": "ar_EG.UTF-8"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert ar.gettext("Yes, I agree") in result.stdout
    assert ar.gettext("Here is what I can do:") in result.stdout
    assert "\u2068" not in result.stdout and "\u2069" not in result.stdout
    ascii_only = engage(
        "chat", stdin=steps, env={"LANG": "ar_EG.UTF-8", "PYTHONIOENCODING": "ascii"}, cwd=tmp_path
    )
    assert ascii_only.returncode == 0, ascii_only.stderr
    assert "Traceback" not in ascii_only.stderr
    assert "/help" in ascii_only.stdout

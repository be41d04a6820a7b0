"""Telling a coordinator how their announcement is going: progress in quarters,
then one final report (delivered, blocked, failed). A scheduler job.

Each message has a dedup key per broadcast and quarter, so running the job
as often as we like never repeats a report.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from dialogs.events import Reply, replies_to_payload
from dialogs.flow import EngineConfig
from dialogs.i18n import Translator
from storage.db import Store
from storage.models import Account, Broadcast, Person

WATCH_FOR = timedelta(days=3)
QUARTERS = (25, 50, 75)


def report_text(t: Translator, broadcast: Broadcast, counts: dict[str, int]) -> tuple[str, str]:
    """(dedup suffix, text) of the report due now, or ("", "") if none is."""
    total = sum(
        counts.get(state, 0) for state in ("pending", "sending", "sent", "failed", "blocked")
    )
    sent, waiting = counts.get("sent", 0), counts.get("pending", 0) + counts.get("sending", 0)
    start = " ".join(broadcast.text.split())[:40]
    if total and not waiting:
        return "final", t.gettext(
            "Your announcement “{start}…” is through: {sent} of {total} delivered, "
            "{blocked} blocked the bot, {failed} failed.",
            start=start,
            sent=t.number(sent),
            total=t.number(total),
            blocked=t.number(counts.get("blocked", 0)),
            failed=t.number(counts.get("failed", 0)),
        )
    done = 100 * (total - waiting) // total if total else 0
    quarter = max((q for q in QUARTERS if done >= q), default=0)
    if not quarter:
        return "", ""
    return f"q{quarter}", t.gettext(
        "Your announcement “{start}…”: {sent} of {total} sent.",
        start=start,
        sent=t.number(sent),
        total=t.number(total),
    )


async def report_broadcasts(store: Store, config: EngineConfig, now: datetime) -> int:
    """Queue due progress and final reports to the authors of recent broadcasts."""
    queued = 0
    async with store.transaction() as uow:
        recent = await uow.session.exec(
            select(Broadcast).where(col(Broadcast.created_at) >= now - WATCH_FOR)
        )
        for broadcast in recent.all():
            if broadcast.author_id is None or broadcast.id is None:
                continue
            author = await uow.session.get(Person, broadcast.author_id)
            t = Translator((author.locale if author else None) or config.default_locale, config.tz)
            suffix, text = report_text(t, broadcast, await uow.outbox.counts(broadcast.id))
            if not suffix:
                continue
            accounts = await uow.session.exec(
                select(Account).where(Account.person_id == broadcast.author_id)
            )
            for account in accounts.all():
                queued += await uow.outbox.enqueue(
                    dedup_key=f"broadcast-report:{broadcast.id}:{suffix}:{account.id}",
                    transport=account.transport,
                    user_id=account.user_id,
                    chat_id=account.chat_id,
                    payload=replies_to_payload([Reply(text)]),
                    now=now,
                )
    return queued

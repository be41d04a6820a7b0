"""The scheduler: runs the jobs of dialogs/ on time, in the bot process.

Jobs are plain functions that decide and queue messages in one transaction;
this module only says *when*. Singleton jobs take a PostgreSQL advisory lock,
so with several instances each run happens once. Every failure is logged,
never swallowed, and the next run simply tries again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from dialogs.broadcast_reports import report_broadcasts
from dialogs.digests import send_digests
from dialogs.flow import Clock, EngineConfig
from dialogs.housekeeping import expire, retain
from dialogs.partners_pushes import push_new_partner_posts, push_partner_post
from dialogs.pushes import escalate, push_need
from dialogs.reminders import send_reminders
from storage.db import Store

log = logging.getLogger(__name__)
Job = Callable[[Store, EngineConfig, datetime], Awaitable[Any]]


class Scheduler:
    def __init__(
        self,
        store: Store,
        config: EngineConfig,
        clock: Clock,
        *,
        queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.queued = queued  # wakes the outbox sender
        self._scheduler = AsyncIOScheduler(timezone=config.tz)
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        every = self._scheduler.add_job
        every(self.run, IntervalTrigger(minutes=5), args=("escalate", escalate), id="escalate")
        every(self.run, CronTrigger(minute=0), args=("digests", send_digests), id="digests")
        every(self.run, IntervalTrigger(minutes=10), args=("reminders", send_reminders))
        every(self.run, IntervalTrigger(minutes=5), args=("expiry", expire), id="expiry")
        every(self.run, CronTrigger(hour=3, minute=30), args=("retention", retain))
        every(self.run, IntervalTrigger(minutes=1), args=("broadcast-reports", report_broadcasts))
        every(self.run, IntervalTrigger(minutes=15), args=("partners", push_new_partner_posts))
        self._scheduler.start()

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    async def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def run(self, name: str, job: Job) -> Any:
        """One run of a singleton job; skipped when another instance holds it."""
        try:
            async with self.store.singleton(name) as mine:
                if not mine:
                    log.info("job %s runs in another instance", name)
                    return None
                result = await job(self.store, self.config, self.clock.now())
        except Exception:
            log.exception("job %s failed; the next run tries again", name)
            return None
        log.debug("job %s: %s", name, result)
        if result:
            self.queued()
        return result

    async def need_published(self, need_id: int) -> None:
        """Push a need right after it is published (called after the publishing commit);
        runs beside the dialog, so the admin's answer does not wait for matching."""
        task = asyncio.create_task(self._push_now(need_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _push_now(self, need_id: int) -> None:
        try:
            queued = await push_need(self.store, self.config, self.clock.now(), need_id)
        except Exception:
            log.exception("pushing need %s failed; escalation will try again", need_id)
            return
        if queued:
            self.queued()

    async def partner_post_published(self, post_id: int) -> None:
        """Tell fitting partners about a new offer or search, beside the dialog; the
        "partners" job repeats the round for a day, so a failure here is caught up."""
        task = asyncio.create_task(self._push_partner_post(post_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _push_partner_post(self, post_id: int) -> None:
        try:
            queued = await push_partner_post(self.store, self.config, self.clock.now(), post_id)
        except Exception:
            log.exception("pushing partner post %s failed; the partners job will retry", post_id)
            return
        if queued:
            self.queued()

    async def spot_freed(self, need_id: int) -> None:
        """Someone cancelled: ask the next people at once."""
        await self.need_published(need_id)

    def services(self) -> dict[str, Any]:
        """The hooks dialogs call (see dialogs.posting, dialogs.reminders)."""
        return {
            "on_need_published": self.need_published,
            "on_spot_freed": self.spot_freed,
            "on_partner_post_published": self.partner_post_published,
        }

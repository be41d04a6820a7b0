"""``/ical/<token>.ics``: a volunteer's sign-ups as a calendar feed.

Unknown and revoked tokens get the same 404 as any missing page, so the answer
tells nothing about which tokens ever existed.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from dialogs.flow import Clock, EngineConfig
from dialogs.i18n import N_, Translator
from dialogs.ics import MIME_TYPE, calendar_of, uid_domain
from storage.calendar import CalendarFeeds
from storage.db import Store

HISTORY = timedelta(days=90)  # past sign-ups the feed still shows
CALENDAR_NAME = N_("My volunteering")


class FeedEndpoint:
    def __init__(
        self, store: Store, config: EngineConfig, clock: Clock, public_url: str | None
    ) -> None:
        self.store, self.config, self.clock = store, config, clock
        self.domain = uid_domain(public_url)

    async def serve(self, request: Request) -> Response:
        token = str(request.path_params.get("token", ""))
        now = self.clock.now()
        async with self.store.transaction() as uow:
            feeds = CalendarFeeds(uow.session)
            person_id = await feeds.person_for(token)
            if person_id is None:
                return PlainTextResponse("not found", status_code=404)
            person = await uow.governance.person(person_id)
            entries = await feeds.entries(person_id, now - HISTORY)
        locale = (person.locale if person else None) or self.config.default_locale
        name = Translator(locale, self.config.tz).gettext(CALENDAR_NAME)
        body = calendar_of(entries, domain=self.domain, now=now, name=name)
        return Response(
            body,
            media_type=f"{MIME_TYPE}; charset=utf-8",
            headers={
                "Cache-Control": "private, max-age=300",
                "Content-Disposition": 'inline; filename="engage.ics"',
                "Referrer-Policy": "no-referrer",
            },
        )

"""The web application of the bot process (Starlette): public needs pages per
municipality, calendar feeds, ``/healthz``, ``/metrics`` and, in webhook mode,
Telegram's webhook, all on one port."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot.metrics import Metrics
from bot.web.feeds import FeedEndpoint
from bot.web.filters import RADII_KM, Filters, parse_filters
from bot.web.needs_page import (
    Links,
    matching_needs,
    municipality_by_slug,
    need_view,
    public_needs,
)
from bot.web.ops import HealthSources, healthz, metrics_endpoint
from bot.web.texts import count_text, page_texts, radius_text
from bot.web.webhook import Accept, webhook_route
from dialogs.flow import Clock, EngineConfig, SystemClock
from dialogs.i18n import Translator, available_locales, is_rtl, language_name
from dialogs.volunteer import interest_label
from matching import taxonomy
from storage.db import Store
from storage.postal_codes import PostalCodeDirectory, default_directory

HERE = Path(__file__).resolve().parent
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
PAGE_CACHE = "public, max-age=60"


@dataclass
class WebDeps:
    store: Store
    config: EngineConfig = field(default_factory=EngineConfig)
    clock: Clock = field(default_factory=SystemClock)
    public_url: str | None = None
    telegram_bot: Callable[[], str] = lambda: ""  # the username, known after getMe
    matrix_user: str = ""
    metrics: Metrics | None = None
    health: HealthSources | None = None
    webhook: tuple[str, Accept] | None = None  # (path, transport.accept_webhook)
    postal_codes: Callable[[], PostalCodeDirectory] = default_directory


def security_headers(embed: bool) -> dict[str, str]:
    """No scripts at all; only the embeddable variant may be framed by other sites."""
    ancestors = "*" if embed else "'none'"
    return {
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            f"base-uri 'none'; frame-ancestors {ancestors}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": PAGE_CACHE,
    }


def direction(locale: str) -> str:
    return "rtl" if is_rtl(locale) else "ltr"


class Pages:
    def __init__(self, deps: WebDeps) -> None:
        self.deps = deps
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self.templates.env.trim_blocks = self.templates.env.lstrip_blocks = True

    def render(
        self, request: Request, name: str, t: Translator, status: int, embed: bool, **values: Any
    ) -> Response:
        # Relative links, so the site also works below a path prefix of a reverse proxy.
        root = "../" * request.url.path.count("/", 1)
        context = {
            "locale": t.locale,
            "direction": direction(t.locale),
            "embed": embed,
            "static": lambda name: f"{root}static/{name}",
            **values,
        }
        return self.templates.TemplateResponse(
            request, name, context, status_code=status, headers=security_headers(embed)
        )

    def translator(self, request: Request) -> Translator:
        lang = request.query_params.get("lang", "")
        locale = lang if lang in available_locales() else self.deps.config.default_locale
        return Translator(locale, self.deps.config.tz)

    async def index(self, request: Request) -> Response:
        t = self.translator(request)
        async with self.deps.store.transaction() as uow:
            found = await uow.governance.municipalities()
        listed = [(m.name, f"{m.slug}/") for m in found if SLUG.match(m.slug)]
        return self.render(
            request, "index.html", t, 200, False, text=page_texts(t), municipalities=listed
        )

    def not_found(self, request: Request) -> Response:
        t = self.translator(request)
        return self.render(request, "not_found.html", t, 404, False, text=page_texts(t))

    async def needs(self, request: Request) -> Response:
        slug = str(request.path_params.get("slug", ""))
        municipality = (
            await municipality_by_slug(self.deps.store, slug) if SLUG.match(slug) else None
        )
        if municipality is None or municipality.id is None:
            return self.not_found(request)
        directory = self.deps.postal_codes()
        filters = parse_filters(request.query_params, self.deps.config.default_locale, directory)
        t = Translator(filters.locale, self.deps.config.tz)
        rows = await public_needs(self.deps.store, municipality.id, self.deps.clock.now())
        links = Links(self.deps.telegram_bot(), self.deps.matrix_user)
        views = [need_view(t, *row, links, directory) for row in matching_needs(rows, filters, t)]
        return self.render(
            request,
            "needs.html",
            t,
            400 if filters.errors else 200,
            filters.embed,
            text=page_texts(t, municipality=municipality.name),
            needs=views,
            count=count_text(t, len(views)),
            form=self.form_values(filters),
            errors=[(name, t.gettext(message)) for name, message in filters.errors.items()],
            error_fields=set(filters.errors),
            interests=[(term.id, interest_label(t, term.id)) for term in taxonomy.INTERESTS],
            radii=[(str(km), radius_text(t, km)) for km in RADII_KM],
            languages=[
                (code, language_name(code), filters.query(lang=code))
                for code in available_locales()
            ],
            reset_href=f"?lang={t.locale}" + ("&embed=1" if filters.embed else ""),
        )

    async def add_slash(self, request: Request) -> Response:
        """Only for what could be a municipality: no redirect to anywhere a URL says."""
        slug = str(request.path_params.get("slug", ""))
        if not SLUG.match(slug):
            return self.not_found(request)
        return RedirectResponse(f"{slug}/", status_code=308)

    @staticmethod
    def form_values(filters: Filters) -> dict[str, str]:
        return {
            "interest": filters.interest,
            "date": filters.raw.get("date", ""),
            "plz": filters.raw.get("plz", ""),
            "radius": str(filters.radius_km),
        }


def create_web_app(deps: WebDeps) -> Starlette:
    pages = Pages(deps)
    routes: list[Any] = []
    if deps.webhook is not None:
        routes.append(webhook_route(*deps.webhook))
    if deps.health is not None:
        routes.append(Route("/healthz", healthz(deps.health)))
    if deps.metrics is not None:
        routes.append(Route("/metrics", metrics_endpoint(deps.metrics, deps.store, deps.clock)))
    feed = FeedEndpoint(deps.store, deps.config, deps.clock, deps.public_url)
    routes += [
        Route("/ical/{token}.ics", feed.serve),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        Route("/", pages.index),
        Route("/{slug}/", pages.needs),
        Route("/{slug}", pages.add_slash),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        return pages.not_found(request)

    return Starlette(routes=routes, exception_handlers={404: not_found})

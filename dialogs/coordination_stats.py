"""/stats: a municipality's last 30 days in numbers, with a chart of sign-ups per day.

Coordinators see their own municipality; operators choose. The chart is drawn with
matplotlib's Agg renderer (no display needed) in a worker thread, so a slow render
never holds up other chats.
"""

from __future__ import annotations

import asyncio
import io
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo

from dialogs.coordination_common import district_codes, per_municipality
from dialogs.engine import Registry
from dialogs.events import Attachment, Reply
from dialogs.flow import Context, Step
from dialogs.i18n import N_
from storage.models import Municipality
from storage.statistics import MunicipalityStats, statistics_of

DAYS = 30
CHART_FILENAME = "stats.png"


def window(ctx: Context) -> tuple[list[date], datetime]:
    """The last 30 local calendar days, today included, and the moment they start."""
    tz = ctx.config.tz
    today = ctx.now().astimezone(tz).date()
    days = [today - timedelta(days=offset) for offset in range(DAYS - 1, -1, -1)]
    return days, datetime.combine(days[0], time(0), tzinfo=tz)


def per_day(times: Iterable[datetime], days: list[date], tz: tzinfo) -> list[int]:
    """How many of ``times`` fall on each local day."""
    counts = Counter(moment.astimezone(tz).date() for moment in times)
    return [counts.get(day, 0) for day in days]


def render_chart(labels: list[str], counts: list[int], title: str) -> bytes:
    """A small bar chart as PNG bytes; Agg only, never a GUI backend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 2.6), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    axes.bar(range(len(counts)), counts, color="#2a7ab0")
    axes.set_title(title, fontsize=10)
    ticks = list(range(0, len(labels), 7))
    axes.set_xticks(ticks, [labels[i] for i in ticks], fontsize=8)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.tick_params(axis="y", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def duration_text(ctx: Context, span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    if hours < 1:
        minutes = max(1, round(hours * 60))
        return ctx.ngettext("{n} minute", "{n} minutes", minutes)
    if hours < 48:
        return ctx.ngettext("{n} hour", "{n} hours", round(hours))
    return ctx._("{days} days", days=ctx.translator.number(hours / 24, 1))


def stats_text(ctx: Context, municipality: Municipality, stats: MunicipalityStats) -> str:
    number = ctx.translator.number
    lines = [
        ctx._(
            "📊 {municipality}, the last 30 days ({start} – {end}):",
            municipality=municipality.name,
            start=ctx.translator.date(stats.since, format="short"),
            end=ctx.translator.date(stats.until, format="short"),
        ),
        ctx._(
            "Volunteers: {count} ({new} new)",
            count=number(stats.volunteers),
            new=number(stats.new_volunteers),
        ),
        ctx._("Organisations: {count}", count=number(stats.organisations)),
        ctx._("Open needs: {count}", count=number(stats.open_needs)),
        ctx._("Sign-ups: {count}", count=number(stats.sign_ups)),
    ]
    if stats.fill_rate is None:
        lines.append(ctx._("Fill rate: – (no need ended in this time)"))
    else:
        lines.append(
            ctx._(
                "Fill rate: {percent} % ({full} of {ended} needs that ended had every spot taken)",
                percent=number(stats.fill_rate * 100),
                full=number(stats.needs_ended_full),
                ended=number(stats.needs_ended),
            )
        )
    median = stats.median_time_to_fill
    lines.append(
        ctx._("Median time to fill: {duration}", duration=duration_text(ctx, median))
        if median is not None
        else ctx._("Median time to fill: – (no need was filled in this time)")
    )
    lines.append(
        ctx._(
            "Open offers: {offers} · open searches: {searches}",
            offers=number(stats.open_offers),
            searches=number(stats.open_searches),
        )
    )
    connect = stats.median_time_to_connect
    if connect is None:
        lines.append(ctx._("Partner connections: 0"))
    else:
        lines.append(
            ctx._(
                "Partner connections: {count} (median time to connect: {duration})",
                count=number(stats.connections),
                duration=duration_text(ctx, connect),
            )
        )
    return "\n".join(lines)


async def stats_reply(ctx: Context, municipality: Municipality) -> Step:
    assert municipality.id is not None
    days, since = window(ctx)
    stats = await statistics_of(ctx.uow).municipality(
        municipality.id, district_codes(municipality.district_key), since, ctx.now()
    )
    tz = ctx.config.tz
    labels = [ctx.translator.date(datetime.combine(d, time(12), tzinfo=tz), "d.M.") for d in days]
    title = ctx._("Sign-ups per day")
    png = await asyncio.to_thread(
        render_chart, labels, per_day(stats.sign_up_times, days, tz), title
    )
    chart = Attachment(kind="image", filename=CHART_FILENAME, content=png, mime_type="image/png")
    return Step.stay(Reply(stats_text(ctx, municipality, stats), attachment=chart))


on_stats, on_stats_for = per_municipality("stats", stats_reply)


def register(registry: Registry) -> None:
    registry.add_command(
        "stats", N_("Coordinators: your municipality in numbers"), on_stats, public=False
    )
    registry.add_action("stats", on_stats_for)

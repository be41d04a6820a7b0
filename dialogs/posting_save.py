"""Publishing a drafted need, or saving the changes to an existing one.

Both check the admin's rights again at the moment of the press: they may have been
revoked while the card was waiting. Changes to time or place reach the volunteers
who signed up, each in their own language.
"""

from __future__ import annotations

import logging
from typing import Any

from dialogs.events import Reply
from dialogs.flow import Context, Step
from dialogs.i18n import Translator
from dialogs.posting_fields import (
    NOT_APPROVED,
    changed_text,
    moment,
    resolve_place,
    span_text,
    status_label,
    tell_volunteers,
    time_problem,
)
from dialogs.roles import NOT_ALLOWED, audit, roles_of
from storage.models import Need, Organisation

log = logging.getLogger(__name__)

EDITABLE = ("open", "filled")


def not_editable(ctx: Context, need: Need) -> str:
    return ctx._(
        "“{title}” is {status} – it can't be changed any more.",
        title=need.title,
        status=status_label(ctx, need.status),
    )


async def published_hook(ctx: Context, need_id: int) -> None:
    """Let the deployment start matching once the need is committed (see dialogs.posting)."""
    hook = ctx.services.get("on_need_published")
    if hook is not None:
        ctx.after_commit(lambda: hook(need_id))


async def publish(ctx: Context) -> Step:
    data = ctx.data
    roles = await roles_of(ctx)
    organisation_id = data.get("org")
    if ctx.person is None or not isinstance(organisation_id, int):
        return Step.finish(Reply(ctx._(NOT_ALLOWED)))
    organisation = await ctx.uow.directory.organisation(organisation_id)
    if not roles.administers(organisation_id) or organisation is None:
        return Step.finish(Reply(ctx._(NOT_ALLOWED)))
    if organisation.status != "approved":
        return Step.finish(Reply(ctx._(NOT_APPROVED)))
    starts_at, ends_at = moment(data.get("starts_at")), moment(data.get("ends_at"))
    if problem := time_problem(ctx, starts_at, ends_at):
        return Step.to("when", Reply(problem))
    code, address, latitude, longitude = resolve_place(data, organisation)
    need = await ctx.uow.needs.add(
        Need(
            organisation_id=organisation_id,
            title=data["title"],
            description=data.get("text", ""),
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=data["count"],
            postal_code=code,
            address=address,
            latitude=latitude,
            longitude=longitude,
            interests=list(data.get("interests", [])),
            status="open",
            created_by=ctx.person.id,
            language=ctx.locale,
            created_at=ctx.now(),
        )
    )
    assert need.id is not None
    await audit(ctx, roles, "need_publish", f"need:{need.id}", organisation=organisation_id)
    await published_hook(ctx, need.id)
    text = ctx._(
        "Published: “{title}” ({when}). I'll look for people who fit and tell you here when "
        "someone signs up. Send /needs to see your needs.",
        title=need.title,
        when=span_text(ctx, need.starts_at, need.ends_at),
    )
    return Step.finish(Reply(text))


def apply_changes(
    need: Need, data: dict[str, Any], organisation: Organisation
) -> tuple[list[str], bool]:
    """Copy the draft onto the need; which fields changed, and whether volunteers must know."""
    starts_at, ends_at = moment(data.get("starts_at")), moment(data.get("ends_at"))
    code, address, latitude, longitude = resolve_place(data, organisation)
    if code == need.postal_code:
        latitude, longitude = need.latitude, need.longitude
    new = {
        "title": data["title"],
        "starts_at": starts_at,
        "ends_at": ends_at,
        "capacity": data["count"],
        "postal_code": code,
        "address": address,
        "interests": list(data.get("interests", [])),
    }
    changed = [name for name, value in new.items() if getattr(need, name) != value]
    for name in changed:
        setattr(need, name, new[name])
    need.latitude, need.longitude = latitude, longitude
    tell = bool({"starts_at", "ends_at", "postal_code", "address"} & set(changed))
    return changed, tell


async def save_changes(ctx: Context) -> Step:
    need_id = ctx.data.get("need")
    found = await ctx.uow.directory.need(need_id) if isinstance(need_id, int) else None
    roles = await roles_of(ctx)
    if found is None or not roles.administers(found[0].organisation_id):
        return Step.finish(Reply(ctx._(NOT_ALLOWED)))
    need, organisation = found
    if need.status not in EDITABLE:
        return Step.finish(Reply(not_editable(ctx, need)))
    starts_at, ends_at = moment(ctx.data.get("starts_at")), moment(ctx.data.get("ends_at"))
    moved = (starts_at, ends_at) != (need.starts_at, need.ends_at)
    if moved and (problem := time_problem(ctx, starts_at, ends_at)):
        return Step.to("when", Reply(problem))
    if ctx.data["count"] < need.taken:
        text = ctx.ngettext(
            "{n} person has signed up already – the number can't be lower than that.",
            "{n} people have signed up already – the number can't be lower than that.",
            need.taken,
        )
        return Step.to("count", Reply(text))
    changed, tell = apply_changes(need, ctx.data, organisation)
    if not changed:
        return Step.finish(Reply(ctx._("Nothing changed.")))
    await ctx.uow.needs.add(need)
    await audit(ctx, roles, "need_edit", f"need:{need.id}", changed=changed)
    text = ctx._("Saved.")
    if tell:

        def note(t: Translator) -> str:
            return changed_text(t, need, organisation)

        told = await tell_volunteers(ctx, need, note)
        if told:
            text += " " + ctx.ngettext(
                "{n} signed-up volunteer has been told about the change.",
                "{n} signed-up volunteers have been told about the change.",
                told,
            )
    return Step.finish(Reply(text))

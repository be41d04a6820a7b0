"""Who may do what, decided on the server at the moment an action runs.

A button or command only says what someone *wants*; every privileged step
calls :func:`roles_of` again and checks the right for the concrete object, so
a forged button, a replayed command or a stale menu cannot act beyond the
person's rights. Privileged actions are written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dialogs.events import Reply
from dialogs.flow import Context, Step
from dialogs.i18n import N_

NOT_ALLOWED = N_("Sorry, you are not allowed to do that.")

# The extra commands each role sees in a messenger's command menu (not in /help for all).
ROLE_COMMANDS: dict[str, tuple[str, ...]] = {
    "admin": ("need", "needs", "org"),
    "coordinator": ("approve", "broadcast", "broadcasts", "posts", "stats"),
    "operator": ("municipality", "municipalities", "coordinator", "coordinators"),
}


def menu_commands(roles: Roles) -> tuple[str, ...]:
    """The privileged commands worth listing for someone with these roles."""
    names: list[str] = []
    if roles.admin_of or roles.operator:
        names += ROLE_COMMANDS["admin"]
    if roles.coordinator_of or roles.operator:
        names += ROLE_COMMANDS["coordinator"]
    if roles.operator:
        names += ROLE_COMMANDS["operator"]
    return tuple(names)


@dataclass(frozen=True)
class Roles:
    person_id: int | None
    operator: bool
    coordinator_of: frozenset[int]  # municipality ids
    admin_of: frozenset[int]  # organisation ids

    def coordinates(self, municipality_id: int | None) -> bool:
        return self.operator or (
            municipality_id is not None and municipality_id in self.coordinator_of
        )

    def administers(self, organisation_id: int | None) -> bool:
        return self.operator or (organisation_id is not None and organisation_id in self.admin_of)

    @property
    def is_coordinator(self) -> bool:
        return self.operator or bool(self.coordinator_of)

    @property
    def is_admin(self) -> bool:
        return self.operator or bool(self.admin_of)

    @property
    def title(self) -> str:
        """The role written to the audit log: the strongest one held."""
        if self.operator:
            return "operator"
        if self.coordinator_of:
            return "coordinator"
        return "admin" if self.admin_of else "volunteer"


async def roles_of(ctx: Context) -> Roles:
    person_id = ctx.person.id if ctx.person is not None else None
    if person_id is None:
        return Roles(None, ctx.is_operator, frozenset(), frozenset())
    governance = ctx.uow.governance
    return Roles(
        person_id,
        ctx.is_operator,
        await governance.coordinated_by(person_id),
        await governance.administered_by(person_id),
    )


def refusal(ctx: Context) -> Step:
    """The one answer to an action beyond someone's rights."""
    return Step.stay(Reply(ctx._(NOT_ALLOWED)))


async def audit(ctx: Context, roles: Roles, action: str, target: str = "", **details: Any) -> None:
    await ctx.uow.governance.audit(
        roles.person_id, roles.title, action, target, now=ctx.now(), **details
    )

"""Offers and searches between all kinds of partners – people, clubs, schools, Kitas,
universities, companies – and connecting them by mutual consent.

/offer and /search post (``dialogs.partners_posting``), /partners suggests and connects
(``dialogs.partners_connect``), coordinators see their municipality's open posts and
recommend partners by hand (``dialogs.partners_coordination``). New posts are pushed to
fitting partners by ``dialogs.partners_pushes`` through the scheduler and the outbox.
"""

from __future__ import annotations

from dialogs import partners_connect, partners_coordination, partners_posting, partners_publish
from dialogs.engine import Registry
from dialogs.i18n import N_


def register(registry: Registry) -> None:
    """Commands and buttons only: offers and searches are never guessed from free text."""
    registry.add_dialog(partners_posting.post)
    registry.add_dialog(partners_connect.share)
    registry.add_dialog(partners_connect.write)
    registry.add_command("offer", N_("Offer something: skills, time, a room, a team day"),
                         partners_posting.on_offer)  # fmt: skip
    registry.add_command("search", N_("Look for a partner, skills, a room or material"),
                         partners_posting.on_search)  # fmt: skip
    registry.add_command("partners", N_("Partners who fit your offers and searches"),
                         partners_connect.on_partners)  # fmt: skip
    registry.add_action("partners_for", partners_connect.on_partners_for)
    registry.add_action("pint", partners_connect.on_interested)
    registry.add_action("pno", partners_connect.on_not_for_me)
    registry.add_action("pmsg", partners_connect.on_write)
    registry.add_action("pclose", partners_publish.on_close)
    registry.add_action("pcloseyes", partners_publish.on_close_yes)
    registry.add_action("pkeep", partners_publish.on_keep)
    coordination = partners_coordination
    registry.add_command("posts", coordination.COMMAND, coordination.on_posts, public=False)
    registry.add_action("posts", coordination.on_posts_for)
    registry.add_action("precfor", coordination.on_recommend_for)
    registry.add_action("prec", coordination.on_recommend)
    registry.add_action("precyes", coordination.on_recommend_yes)
    registry.add_action("precno", coordination.on_recommend_no)

"""Partner matching: offers for searches, searches and needs for offers, organisations."""

from __future__ import annotations

from datetime import date

from matching.partners import (
    PartnerSnapshot,
    pair,
    rank_partner_organisations,
    rank_partners_for,
    topic_words,
)

LAT, LON = 50.776, 6.087  # Aachen
KM = 1 / 111.195  # degrees of latitude per kilometre
JUNE_12 = (date(2026, 6, 12), date(2026, 6, 12))
JUNE_19 = (date(2026, 6, 19), date(2026, 6, 19))


def post(
    id: int,
    direction: str,
    kind: str,
    *,
    km: float = 0.0,
    text: str = "",
    interests: tuple[str, ...] = (),
    side: str = "post",
    **extra: object,
) -> PartnerSnapshot:
    values: dict = {
        "side": side,
        "id": id,
        "direction": direction,
        "kind": kind,
        "lat": LAT + km * KM,
        "lon": LON,
        "radius_km": 25.0,
        "interests": frozenset(interests),
        "topics": topic_words(text),
        "owner": 1000 + id,
    }
    values.update(extra)
    return PartnerSnapshot(**values)


BEE_SEARCH = post(
    1,
    "search",
    "knowledge",
    text="Grundschule sucht Imker:in für unser Bienenprojekt",
    interests=("children_youth", "environment_animals"),
)


def beekeepers(id: int, km: float) -> PartnerSnapshot:
    return post(
        id,
        "offer",
        "knowledge",
        km=km,
        text="Imkerverein erklärt Kindern die Bienen",
        interests=("environment_animals",),
        organisation=id,
        owner=None,
    )


def test_a_bee_project_finds_the_beekeepers_10_km_away_not_those_80_km_away() -> None:
    near, far = beekeepers(2, 10), beekeepers(3, 80)
    [found] = rank_partners_for(BEE_SEARCH, [far, near])
    assert (found.side, found.id) == ("post", 2)
    kinds = [reason.kind for reason in found.reasons]
    assert ("interest", "environment_animals") in [(r.kind, r.value) for r in found.reasons]
    assert "topic" in kinds and "kind" in kinds
    assert found.reasons[-1].kind == "distance" and found.reasons[-1].value == 10.0
    # the other way round: the beekeepers' offer finds the school's search
    [back] = rank_partners_for(near, [BEE_SEARCH])
    assert (back.side, back.id) == ("post", 1)


def test_topic_words_share_stems_of_compound_words() -> None:
    assert "biene" in topic_words("Bienenprojekt") & topic_words("Bienen-AG")
    assert "imker" in topic_words("Imker:in") & topic_words("Imkerverein")
    assert topic_words("Wir suchen Helfer, biete Zeit heute") == frozenset()


def test_a_team_day_finds_a_need_for_six_on_that_date_not_on_another() -> None:
    team_day = post(10, "offer", "team_day", text="Firma bietet 8 Azubis", people=8, days=JUNE_12)
    that_day = post(20, "search", "", side="need", people=6, days=JUNE_12, owner=None,
                    organisation=7, interests=("environment_animals",))  # fmt: skip
    other_day = post(21, "search", "", side="need", people=6, days=JUNE_19, owner=None,
                     organisation=7, interests=("environment_animals",))  # fmt: skip
    alone = post(22, "search", "", side="need", people=1, days=JUNE_12, owner=None,
                 organisation=7, interests=("environment_animals",))  # fmt: skip
    found = rank_partners_for(team_day, [other_day, alone, that_day])
    assert [(m.side, m.id) for m in found] == [("need", 20)]
    reasons = {r.kind: r.value for r in found[0].reasons}
    assert reasons["days"] == "2026-06-12" and reasons["people"] == 6


def test_an_ongoing_side_fits_any_day_and_days_must_overlap_otherwise() -> None:
    offer = post(1, "offer", "room", text="Gemeindesaal frei", interests=("culture",))
    search = post(2, "search", "room", text="Raum für Chorprobe", interests=("culture",),
                  days=JUNE_12)  # fmt: skip
    assert pair(offer, search) is not None
    dated = post(3, "offer", "room", interests=("culture",), days=JUNE_19)
    assert pair(dated, search) is None


def test_what_does_not_belong_together_is_never_suggested() -> None:
    search = post(1, "search", "room", interests=("culture",))
    # the same direction, another kind, the same owner, nothing in common
    assert rank_partners_for(search, [post(2, "search", "room", interests=("culture",))]) == []
    assert rank_partners_for(search, [post(3, "offer", "skill", interests=("culture",))]) == []
    assert rank_partners_for(search, [post(4, "offer", "room", interests=("culture",),
                                           owner=1001)]) == []  # fmt: skip
    assert rank_partners_for(search, [post(5, "offer", "room", interests=("sport",))]) == []
    # needs are looked for, never offered
    assert rank_partners_for(search, [post(6, "search", "", side="need",
                                           interests=("culture",))]) == []  # fmt: skip


def test_a_need_asks_for_hands_not_for_a_room_or_material() -> None:
    need = post(30, "search", "", side="need", people=2, owner=None, organisation=7,
                interests=("seniors",))  # fmt: skip
    hands = post(31, "offer", "time", interests=("seniors",))
    hall = post(32, "offer", "room", text="Saal samstags frei", interests=("seniors",))
    things = post(33, "offer", "material", interests=("seniors",))
    found = rank_partners_for(hands, [need])
    assert [(m.side, m.id) for m in found] == [("need", 30)]
    assert rank_partners_for(hall, [need]) == [] and rank_partners_for(things, [need]) == []


def test_the_order_is_fit_then_distance() -> None:
    search = post(1, "search", "skill", interests=("digital", "seniors"))
    both = post(2, "offer", "skill", km=5, interests=("digital", "seniors"))
    one = post(3, "offer", "skill", km=1, interests=("digital",))
    closer = post(4, "offer", "skill", km=2, interests=("digital", "seniors"))
    organisation = post(9, "offer", "", side="organisation", km=3, interests=("digital",),
                        radius_km=0.0, owner=None, organisation=9)  # fmt: skip
    ranked = rank_partners_for(search, [both, one, closer, organisation])
    assert [(m.side, m.id) for m in ranked] == [
        ("post", 4), ("post", 2), ("post", 3), ("organisation", 9),
    ]  # fmt: skip


def test_partner_organisations_share_a_field_and_prefer_another_kind() -> None:
    def organisation(id: int, kind: str, km: float, *interests: str) -> PartnerSnapshot:
        return post(id, "offer", "", side="organisation", km=km, interests=interests,
                    organisation_kind=kind, owner=None, organisation=id)  # fmt: skip

    school = organisation(1, "school", 0, "children_youth", "education_tutoring")
    club = organisation(2, "association", 3, "children_youth", "sport")
    other_school = organisation(3, "school", 3, "children_youth", "sport")
    far = organisation(4, "association", 40, "children_youth")
    unrelated = organisation(5, "company", 1, "digital")
    ranked = rank_partner_organisations(school, [school, club, other_school, far, unrelated])
    assert [m.id for m in ranked] == [2, 3]
    assert ("partner_kind", "association") in [(r.kind, r.value) for r in ranked[0].reasons]

"""A small municipality whose every row a test can name: what must show on the public
page, what must not (past, cancelled, unapproved, elsewhere), and volunteers whose
personal data must never appear anywhere on the web."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from storage.db import Store
from storage.models import Municipality, Need, Organisation, VolunteerProfile
from storage.postal_codes import default_directory

BERLIN = ZoneInfo("Europe/Berlin")
SLUG = "musterstadt"
VOLUNTEER_NAME = "Zacharias Quellenbrink"
VOLUNTEER_USER = "777000111"
VOLUNTEER_POSTAL_CODE = "52080"
VOLUNTEER_PLACE = "Quellenbrinkhausen"
PRIVATE = (VOLUNTEER_NAME, "Quellenbrink", VOLUNTEER_USER, VOLUNTEER_POSTAL_CODE, VOLUNTEER_PLACE)


@dataclass
class Seeded:
    municipality_id: int
    shown: dict[str, int] = field(default_factory=dict)  # title → need id
    hidden: dict[str, int] = field(default_factory=dict)
    volunteer_id: int = 0


def local(now: datetime, days: int, hour: int) -> datetime:
    day = now.astimezone(BERLIN).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


def _need(org: Organisation, title: str, postal_code: str, **kwargs: object) -> Need:
    place = default_directory().lookup(postal_code)
    assert place is not None and org.id is not None
    return Need(
        organisation_id=org.id,
        title=title,
        postal_code=postal_code,
        latitude=place.latitude,
        longitude=place.longitude,
        language="de",
        **kwargs,  # type: ignore[arg-type]
    )


def _organisation(
    name: str, municipality_id: int | None, status: str, **kwargs: str
) -> Organisation:
    place = default_directory().lookup("52062")
    assert place is not None
    return Organisation(
        name=name,
        kind="association",
        interests=["neighbourhood"],
        postal_code="52062",
        latitude=place.latitude,
        longitude=place.longitude,
        municipality_id=municipality_id,
        status=status,
        **kwargs,
    )


async def seed(store: Store, now: datetime) -> Seeded:
    async with store.transaction() as uow:
        town = await uow.municipalities.add(
            Municipality(name="Musterstadt", slug=SLUG, district_key="05334")
        )
        elsewhere = await uow.municipalities.add(
            Municipality(name="Nachbarort", slug="nachbarort", district_key="05358")
        )
        assert town.id is not None and elsewhere.id is not None
        tafel = await uow.organisations.add(
            _organisation(
                "Tafel Musterstadt", town.id, "approved", public_contact="tafel@example.org"
            )
        )
        pending = await uow.organisations.add(_organisation("Schattenverein", town.id, "pending"))
        other = await uow.organisations.add(
            _organisation("Verein Nachbarort", elsewhere.id, "approved")
        )
        seeded = Seeded(town.id)
        shown = [
            _need(
                tafel,
                "Lebensmittel sortieren",
                "52062",
                interests=["neighbourhood"],
                starts_at=local(now, 1, 10),
                ends_at=local(now, 1, 13),
                capacity=3,
                address="Marktplatz 1",
                description="Obst und Gemüse sortieren.",
            ),
            _need(
                tafel,
                "Hausaufgabenhilfe",
                "52477",
                interests=["education_tutoring"],
                starts_at=local(now, 3, 15),
                ends_at=local(now, 3, 17),
                urgent=True,
            ),
            _need(tafel, "Dauerhafte Begleitung", "52062", interests=["seniors"]),
        ]
        hidden = [
            _need(tafel, "Vergangener Einsatz", "52062", starts_at=now - timedelta(hours=2)),
            _need(
                tafel,
                "Abgesagter Einsatz",
                "52062",
                starts_at=local(now, 2, 10),
                status="cancelled",
            ),
            _need(tafel, "Voller Einsatz", "52062", starts_at=local(now, 2, 11), status="filled"),
            _need(pending, "Nicht freigegeben", "52062", starts_at=local(now, 2, 10)),
            _need(other, "Anderswo", "52062", starts_at=local(now, 2, 10)),
        ]
        for target, needs in ((seeded.shown, shown), (seeded.hidden, hidden)):
            for need in needs:
                await uow.needs.add(need)
                assert need.id is not None
                target[need.title] = need.id
        person = await uow.people.create_with_account(
            transport="telegram", user_id=VOLUNTEER_USER, chat_id=VOLUNTEER_USER, locale="de"
        )
        assert person.id is not None
        person.display_name, person.consented_at = VOLUNTEER_NAME, now
        await uow.people.save(person)
        await uow.profiles.save(
            VolunteerProfile(
                person_id=person.id,
                interests=["neighbourhood"],
                postal_code=VOLUNTEER_POSTAL_CODE,
                place=VOLUNTEER_PLACE,
                latitude=50.78,
                longitude=6.14,
                completed_at=now,
            )
        )
        await uow.signups.sign_up(seeded.shown["Lebensmittel sortieren"], person.id, now)
        seeded.volunteer_id = person.id
    return seeded

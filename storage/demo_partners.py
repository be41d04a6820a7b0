"""Demo offers and searches between the Aachen demo organisations.

They let a first-time user see /partners at work at once: a school's bee project finds
the beekeepers, a company's team day finds the Kita's summer party, a hall that is free
on Saturdays finds a theatre group looking for a rehearsal room. Every post belongs to
a demo organisation and is marked ``is_demo``.

The demo has no people, so the posts have no author (``owner_id`` None): who answers
for an organisation's post is decided by its admins anyway.

Posts read as written a few days before ``now``: pushes announce posts of the last day
only, so loading the demo never pushes invented offers to real people as "new".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from storage.models import Organisation
from storage.partners import PartnerPost, Partners
from storage.repositories import UnitOfWork

ONGOING_FOR = timedelta(days=60)
"""How long a post without a date stays open (as for posts written in the chat)."""


@dataclass(frozen=True, slots=True)
class _Post:
    org: str
    direction: str  # offer, search
    kind: str  # see storage.partners.KINDS
    title: str
    text: str
    interests: tuple[str, ...]
    people: int | None = None
    day: int | None = None  # local days after today; None: ongoing
    age_days: int = 2  # written this many days before now


POSTS: tuple[_Post, ...] = (
    _Post(
        org="imker",
        direction="offer",
        kind="knowledge",
        title="Imkerei erleben: Wir zeigen Kindern unsere Bienen",
        text=(
            "Wir kommen mit einem Schaukasten voller Bienen in die Klasse oder die Kita – "
            "oder laden an unseren Lehrbienenstand am Lousberg ein. Honig zum Probieren "
            "gibt es auch."
        ),
        interests=("environment_animals", "children_youth", "education_tutoring"),
        age_days=3,
    ),
    _Post(
        org="schule",
        direction="search",
        kind="knowledge",
        title="Imker:in für unser Bienenprojekt gesucht",
        text=(
            "Unsere 5. Klassen legen eine Blühwiese an und wollen alles über Bienen lernen. "
            "Wer erklärt im Unterricht, wie ein Bienenvolk lebt, oder zeigt uns einen "
            "Bienenstock?"
        ),
        interests=("environment_animals", "children_youth", "education_tutoring"),
    ),
    _Post(
        org="schreinerei",
        direction="offer",
        kind="team_day",
        title="Zwei Azubis packen einen Tag lang mit an",
        text=(
            "Unsere Auszubildenden im Schreinerhandwerk bauen, reparieren und schrauben "
            "einen Tag lang für einen Verein, eine Kita oder eine Schule. Werkzeug und Holz "
            "für kleine Arbeiten bringen sie mit."
        ),
        interests=("children_youth", "neighbourhood"),
        people=2,
        day=6,
        age_days=4,
    ),
    _Post(
        org="kita",
        direction="search",
        kind="time",
        title="Hilfe beim neuen Sandkasten gesucht",
        text=(
            "Die Holzumrandung unseres Sandkastens ist morsch. Wer hilft, sie abzubauen, "
            "eine neue zu zimmern und frischen Sand zu verteilen? Ein Tag mit ein paar "
            "kräftigen Händen genügt."
        ),
        interests=("children_youth",),
        people=3,
    ),
    _Post(
        org="firma",
        direction="offer",
        kind="team_day",
        title="Social Day: 6 Leute aus unserem Team für einen Tag",
        text=(
            "Einmal im Quartal tauschen wir die Tastatur gegen Arbeitshandschuhe: Sechs "
            "Kolleginnen und Kollegen helfen einen Tag lang dort, wo viele Hände gebraucht "
            "werden – beim Aufbauen, Aufräumen oder Anpacken."
        ),
        interests=(),  # an open team day: any cause that needs several people that day
        people=6,
        day=5,
        age_days=5,
    ),
    _Post(
        org="firma",
        direction="offer",
        kind="knowledge",
        title="5 freie Plätze in unserem Erste-Hilfe-Kurs",
        text=(
            "Unser Erste-Hilfe-Kurs für die Belegschaft hat noch fünf Plätze frei. "
            "Ehrenamtliche aus Vereinen und Initiativen machen kostenlos mit: ein ganzer Tag "
            "mit Übungen und Teilnahmebescheinigung."
        ),
        interests=("health_care", "civil_protection"),
        people=5,
        day=7,
        age_days=6,
    ),
    _Post(
        org="senioren",
        direction="offer",
        kind="room",
        title="Unser Saal ist samstags frei",
        text=(
            "Für Proben, Treffen oder Feiern von Vereinen und Initiativen: ein Saal mit "
            "60 Plätzen, Küche und barrierefreiem Zugang. Samstags steht er leer."
        ),
        interests=("culture", "neighbourhood", "seniors"),
        age_days=3,
    ),
    _Post(
        org="theater",
        direction="search",
        kind="room",
        title="Probenraum für Samstage gesucht",
        text=(
            "Bis zur Premiere unseres Herbststücks brauchen wir samstags einen Raum mit "
            "Platz zum Proben. Eine kleine Bühne wäre schön, ist aber kein Muss."
        ),
        interests=("culture", "events"),
    ),
    _Post(
        org="sport",
        direction="search",
        kind="skill",
        title="Kassenprüfer:in für unseren Verein gesucht",
        text=(
            "Einmal im Jahr prüfst du gemeinsam mit einer zweiten Person unsere "
            "Vereinskasse, bevor die Mitgliederversammlung den Vorstand entlastet. Ein "
            "Nachmittag und ein Blick für Zahlen genügen."
        ),
        interests=("sport",),
        people=1,
        age_days=4,
    ),
)


async def add_demo_posts(
    uow: UnitOfWork,
    organisations: Mapping[str, Organisation],
    *,
    now: datetime,
    tz: tzinfo,
) -> int:
    """Add the demo offers and searches; the number of posts added."""
    today = now.astimezone(tz).date()
    repository = Partners(uow.session)
    for spec in POSTS:
        organisation = organisations[spec.org]
        created = now - timedelta(days=spec.age_days)
        first: date | None = None
        if spec.day is None:
            expires = created + ONGOING_FOR
        else:
            first = today + timedelta(days=spec.day)
            expires = datetime.combine(first + timedelta(days=1), time(0), tzinfo=tz)
        await repository.add(
            PartnerPost(
                direction=spec.direction,
                kind=spec.kind,
                title=spec.title,
                text=spec.text,
                interests=list(spec.interests),
                people=spec.people,
                postal_code=organisation.postal_code,
                place=organisation.place,
                latitude=organisation.latitude,
                longitude=organisation.longitude,
                date_from=first,
                date_until=first,
                expires_at=expires,
                owner_id=None,
                organisation_id=organisation.id,
                language="de",
                is_demo=True,
                created_at=created,
            )
        )
    return len(POSTS)

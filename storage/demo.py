"""Demo data: a fictional but plausible volunteering landscape for Aachen.

A fresh installation without messengers starts in the console; with this data a
first-time user can try the whole flow (interests, postal code, matching needs,
offers and searches between partners) before any real organisation has signed up.
Every row is marked ``is_demo`` so it can be told apart from, and later removed
before, real data. The offers and searches live in ``storage.demo_partners``.

All organisations, people and e-mail addresses are invented; postal codes and
street names are real Aachen ones so distances and maps look right.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from storage.db import Store
from storage.demo_partners import add_demo_posts
from storage.models import Municipality, Need, Organisation
from storage.postal_codes import PostalCode, PostalCodeDirectory, default_directory

log = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Europe/Berlin")
DEMO_SLUG = "aachen"
DEMO_DISTRICT_KEY = "05334"  # Städteregion Aachen


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """How many rows one call created (all zero when the demo was already there)."""

    municipalities: int = 0
    organisations: int = 0
    needs: int = 0
    posts: int = 0

    def __str__(self) -> str:
        return (
            f"{self.municipalities} municipality, {self.organisations} organisations, "
            f"{self.needs} needs, {self.posts} offers and searches"
        )


@dataclass(frozen=True, slots=True)
class _Org:
    key: str
    name: str
    kind: str
    description: str
    interests: tuple[str, ...]
    postal_code: str
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class _When:
    """A local time slot: ``day`` days after today (Europe/Berlin), hours as "HH:MM"."""

    day: int
    start: str
    end: str


@dataclass(frozen=True, slots=True)
class _Need:
    org: str
    title: str
    description: str
    when: _When | None  # None: long-term, no fixed date
    capacity: int
    address: str
    interests: tuple[str, ...]
    skills: tuple[str, ...] = ()
    urgent: bool = False
    postal_code: str | None = None  # None: the organisation's own postal code


_ORGANISATIONS: tuple[_Org, ...] = (
    _Org(
        key="tafel",
        name="Aachener Tafel-Freunde e.V.",
        kind="association",
        description=(
            "Wir retten Lebensmittel aus Supermärkten und Bäckereien und geben sie an "
            "Menschen mit wenig Geld weiter. Jede helfende Hand bei Abholung, Sortieren "
            "und Ausgabe zählt."
        ),
        interests=("neighbourhood", "health_care"),
        postal_code="52068",
        contact="tafel-freunde@example.org",
    ),
    _Org(
        key="kita",
        name="Kita Sonnenblume Burtscheid",
        kind="kita",
        description=(
            "Unsere Kita betreut 65 Kinder zwischen einem und sechs Jahren. Wir freuen "
            "uns über Unterstützung bei Festen, Ausflügen und Vorlesestunden."
        ),
        interests=("children_youth", "events"),
        postal_code="52066",
        contact="kita-sonnenblume@example.org",
    ),
    _Org(
        key="forst",
        name="Nachbarschaftshilfe Forst",
        kind="initiative",
        description=(
            "Nachbarinnen und Nachbarn helfen einander: Einkäufe, Fahrten zum Arzt, "
            "ein offenes Ohr. Ganz ohne Verein, dafür mit viel Herz."
        ),
        interests=("neighbourhood", "seniors"),
        postal_code="52078",
    ),
    _Org(
        key="rwth",
        name="RWTH Campus hilft",
        kind="university",
        description=(
            "Studierende aller Fachrichtungen engagieren sich neben dem Studium: "
            "Nachhilfe, Technik-Sprechstunden und Projekte mit Geflüchteten."
        ),
        interests=("education_tutoring", "refugees_integration", "digital"),
        postal_code="52062",
        contact="campus-hilft@example.org",
    ),
    _Org(
        key="sport",
        name="SC Rot-Weiß Richterich e.V.",
        kind="association",
        description=(
            "Fußball, Turnen und Laufgruppen für alle Generationen. Wir suchen helfende "
            "Hände rund um Training, Spieltage und Vereinsfeste."
        ),
        interests=("sport", "children_youth"),
        postal_code="52072",
        contact="vorstand-scrw@example.org",
    ),
    _Org(
        key="tierheim",
        name="Tierschutzverein Pfotenhilfe Aachen e.V.",
        kind="association",
        description=(
            "Wir betreiben ein kleines Tierheim am Stadtrand und vermitteln Hunde, Katzen "
            "und Kleintiere in ein neues Zuhause."
        ),
        interests=("environment_animals",),
        postal_code="52076",
        contact="pfotenhilfe@example.org",
    ),
    _Org(
        key="willkommen",
        name="Willkommensnetz Aachen-Nord",
        kind="initiative",
        description=(
            "Wir begleiten geflüchtete Familien beim Ankommen: Sprachcafé, Hilfe bei "
            "Behördengängen und gemeinsame Freizeitangebote."
        ),
        interests=("refugees_integration", "education_tutoring", "culture"),
        postal_code="52070",
    ),
    _Org(
        key="senioren",
        name="Seniorentreff Frankenberger Viertel",
        kind="association",
        description=(
            "Ein offener Treffpunkt für ältere Menschen mit Mittagstisch, Spielenachmittag "
            "und Vorleserunden. Gesellschaft ist hier das Wichtigste."
        ),
        interests=("seniors", "culture", "neighbourhood"),
        postal_code="52066",
    ),
    _Org(
        key="pfadfinder",
        name="Pfadfinderstamm Kaiser Karl Aachen",
        kind="association",
        description=(
            "Gruppenstunden, Zeltlager und Naturerlebnisse für Kinder und Jugendliche "
            "von 7 bis 18 Jahren."
        ),
        interests=("children_youth", "environment_animals", "events"),
        postal_code="52074",
        contact="stammesleitung-kaiserkarl@example.org",
    ),
    _Org(
        key="repair",
        name="Repair-Café Aachen-Ost",
        kind="initiative",
        description=(
            "Einmal im Monat reparieren wir gemeinsam Toaster, Fahrräder, Kleidung und "
            "Laptops. Reparieren statt Wegwerfen schont Geldbeutel und Umwelt."
        ),
        interests=("environment_animals", "neighbourhood", "digital"),
        postal_code="52068",
    ),
    _Org(
        key="schule",
        name="Schule am Westpark – Projekt Lernbrücke",
        kind="school",
        description=(
            "Unser Förderprojekt bringt Schülerinnen und Schüler mit Lernpatinnen und "
            "Lernpaten zusammen, damit niemand beim Lernen zurückbleibt."
        ),
        interests=("education_tutoring", "children_youth"),
        postal_code="52064",
        contact="lernbruecke@example.org",
    ),
    _Org(
        key="firma",
        name="Westwerk Digital GmbH – Social-Day-Team",
        kind="company",
        description=(
            "Unser Team aus Softwareentwicklung und Verwaltung nimmt sich mehrmals im "
            "Jahr frei, um anzupacken: in Parks, Schulen und Vereinen."
        ),
        interests=("environment_animals", "digital", "neighbourhood"),
        postal_code="52074",
    ),
    _Org(
        key="stadt",
        name="Freiwilligenbüro der Stadt Aachen",
        kind="municipal",
        description=(
            "Die Anlaufstelle der Stadt für alle, die sich engagieren möchten. Wir beraten, "
            "vermitteln und organisieren den jährlichen Ehrenamtstag."
        ),
        interests=("events", "neighbourhood", "civil_protection"),
        postal_code="52062",
        contact="freiwilligenbuero@example.org",
    ),
    _Org(
        key="sanitaeter",
        name="Sanitätsgruppe Soers e.V.",
        kind="association",
        description=(
            "Ehrenamtliche Sanitäterinnen und Sanitäter sichern Veranstaltungen in Aachen ab. "
            "Wer einen Erste-Hilfe-Kurs hat, ist bei uns richtig."
        ),
        interests=("civil_protection", "health_care", "events"),
        postal_code="52070",
        contact="einsatz-soers@example.org",
    ),
    _Org(
        key="theater",
        name="Eilendorfer Bühne e.V.",
        kind="association",
        description=(
            "Amateurtheater mit zwei Premieren im Jahr. Hinter den Kulissen brauchen wir "
            "Leute für Bühnenbau, Kostüme, Technik und Kasse."
        ),
        interests=("culture", "events"),
        postal_code="52080",
    ),
    _Org(
        key="digital",
        name="Digitalpaten Aachen",
        kind="initiative",
        description=(
            "Wir erklären Smartphone, Tablet und Videotelefonie – geduldig und in eigenem "
            "Tempo, besonders für ältere Menschen."
        ),
        interests=("digital", "seniors"),
        postal_code="52064",
        contact="digitalpaten@example.org",
    ),
    _Org(
        key="imker",
        name="Imkerverein Lousberg & Soers e.V.",
        kind="association",
        description=(
            "Rund 40 Imkerinnen und Imker betreuen ihre Bienenvölker am Lousberg und in "
            "der Soers. Wir beraten Neulinge, schleudern gemeinsam Honig und zeigen Kindern, "
            "wie wichtig Bienen für uns alle sind."
        ),
        interests=("environment_animals", "education_tutoring"),
        postal_code="52070",
        contact="imkerverein-lousberg@example.org",
    ),
    _Org(
        key="schreinerei",
        name="Schreinerei Eichenwerk Brand GmbH",
        kind="company",
        description=(
            "Unser Handwerksbetrieb baut Möbel, Treppen und Innenausbauten. Vier "
            "Auszubildende lernen bei uns – und packen gern mit an, wenn im Viertel etwas "
            "gebaut werden muss."
        ),
        interests=("neighbourhood", "children_youth"),
        postal_code="52078",
    ),
)

_NEEDS: tuple[_Need, ...] = (
    _Need(
        org="tafel",
        title="Helfende Hände bei der Tafel-Ausgabe",
        description=(
            "Du gibst Lebensmittel an unsere Kundinnen und Kunden aus und hilfst beim "
            "Auffüllen der Kisten. Keine Vorkenntnisse nötig, bitte festes Schuhwerk."
        ),
        when=_When(1, "15:00", "18:00"),
        capacity=4,
        address="Elsassstraße 45",
        interests=("neighbourhood", "health_care"),
        skills=("carrying",),
        urgent=True,
    ),
    _Need(
        org="tafel",
        title="Fahrdienst: Lebensmittel bei Supermärkten abholen",
        description=(
            "Mit unserem Transporter holst du gespendete Lebensmittel bei drei Märkten im "
            "Aachener Osten ab. Führerschein Klasse B genügt."
        ),
        when=_When(3, "08:30", "11:30"),
        capacity=2,
        address="Elsassstraße 45",
        interests=("neighbourhood",),
        skills=("driving_licence", "carrying"),
    ),
    _Need(
        org="schule",
        title="Hausaufgabenhilfe Mathe und Deutsch (Klasse 5–7)",
        description=(
            "In kleinen Gruppen unterstützt du Schülerinnen und Schüler bei den "
            "Hausaufgaben. Geduld ist wichtiger als ein Lehramtsstudium."
        ),
        when=_When(2, "14:00", "16:00"),
        capacity=3,
        address="Junkerstraße 30",
        interests=("education_tutoring", "children_youth"),
        skills=("teaching",),
    ),
    _Need(
        org="schule",
        title="Lesepate/Lesepatin gesucht",
        description=(
            "Einmal pro Woche eine Stunde mit einem Kind lesen – über das ganze Schuljahr. "
            "Den Tag stimmen wir gemeinsam mit dir ab."
        ),
        when=None,
        capacity=2,
        address="Junkerstraße 30",
        interests=("education_tutoring", "children_youth", "culture"),
    ),
    _Need(
        org="kita",
        title="Aufbau für unser Sommerfest",
        description=(
            "Zelte, Bierbänke und eine Hüpfburg wollen aufgebaut werden. Danach gibt es "
            "Kaffee und Kuchen für alle Helferinnen und Helfer."
        ),
        when=_When(5, "09:00", "12:00"),
        capacity=6,
        address="Kurbrunnenstraße 12",
        interests=("children_youth", "events"),
        skills=("carrying", "craft"),
    ),
    _Need(
        org="kita",
        title="Begleitung beim Ausflug in den Tierpark",
        description=(
            "Mit unserer Vorschulgruppe (12 Kinder) geht es in den Euregiozoo. Wir suchen "
            "zwei zusätzliche Begleitpersonen."
        ),
        when=_When(4, "09:00", "13:00"),
        capacity=2,
        address="Obere Drimbornstraße, Eingang Tierpark",
        interests=("children_youth", "environment_animals"),
    ),
    _Need(
        org="kita",
        title="Singkreis mit Gitarre",
        description=(
            "Du spielst Gitarre oder Ukulele und singst gern? Begleite eine halbe Stunde "
            "lang unseren Morgenkreis mit Kinderliedern."
        ),
        when=_When(8, "09:30", "10:30"),
        capacity=1,
        address="Kurbrunnenstraße 12",
        interests=("children_youth", "culture"),
        skills=("music",),
    ),
    _Need(
        org="tierheim",
        title="Gassi gehen mit unseren Tierheim-Hunden",
        description=(
            "Unsere Hunde freuen sich über lange Spaziergänge durchs Indetal. Nach einer "
            "kurzen Einweisung bekommst du einen passenden Hund an die Leine."
        ),
        when=_When(1, "10:00", "12:00"),
        capacity=3,
        address="Abteigarten 6",
        interests=("environment_animals",),
    ),
    _Need(
        org="tierheim",
        title="Katzenzimmer putzen und Streicheleinheiten verteilen",
        description=(
            "Erst wird sauber gemacht, dann gekuschelt: Unsere Katzen brauchen Pflege "
            "und Gesellschaft."
        ),
        when=_When(6, "16:00", "18:00"),
        capacity=2,
        address="Abteigarten 6",
        interests=("environment_animals",),
        skills=("care",),
    ),
    _Need(
        org="senioren",
        title="Vorlesen im Seniorentreff",
        description=(
            "Lies unseren Gästen eine Kurzgeschichte oder die Zeitung vor – danach wird "
            "gern noch darüber geplaudert."
        ),
        when=_When(2, "15:30", "17:00"),
        capacity=1,
        address="Bismarckstraße 58",
        interests=("seniors", "culture"),
    ),
    _Need(
        org="senioren",
        title="Besuchsdienst: regelmäßig Zeit schenken",
        description=(
            "Manche unserer Gäste kommen nicht mehr aus dem Haus. Besuche eine ältere "
            "Person etwa alle zwei Wochen zum Reden, Spielen oder Spazierengehen."
        ),
        when=None,
        capacity=3,
        address="Bismarckstraße 58",
        interests=("seniors", "neighbourhood"),
        skills=("care",),
    ),
    _Need(
        org="forst",
        title="Fahrdienst zum Arzttermin",
        description=(
            "Eine Nachbarin (82) braucht eine Fahrt zur Augenklinik und zurück. Ein "
            "eigenes Auto ist nötig, die Spritkosten werden erstattet."
        ),
        when=_When(3, "09:00", "11:00"),
        capacity=1,
        address="Trierer Straße 210",
        interests=("seniors", "neighbourhood", "health_care"),
        skills=("driving_licence",),
        urgent=True,
    ),
    _Need(
        org="forst",
        title="Einkaufshilfe für Nachbarinnen und Nachbarn",
        description=(
            "Du erledigst den Wocheneinkauf für zwei ältere Menschen im Viertel und "
            "bringst ihn vorbei. Eine Einkaufsliste bekommst du vorher."
        ),
        when=_When(4, "10:00", "12:00"),
        capacity=2,
        address="Trierer Straße 210",
        interests=("seniors", "neighbourhood"),
        skills=("carrying",),
    ),
    _Need(
        org="willkommen",
        title="Sprachcafé: Deutsch üben bei Kaffee und Kuchen",
        description=(
            "Zwanglose Gespräche an kleinen Tischen helfen beim Deutschlernen. Du "
            "brauchst nur Zeit und Lust zu reden."
        ),
        when=_When(2, "17:00", "19:00"),
        capacity=4,
        address="Jülicher Straße 112",
        interests=("refugees_integration", "education_tutoring"),
        skills=("languages",),
    ),
    _Need(
        org="willkommen",
        title="Begleitung zu Behördenterminen (Arabisch oder Ukrainisch)",
        description=(
            "Zwei Familien haben Termine beim Jobcenter und bei der Ausländerbehörde. "
            "Wir suchen Begleitpersonen, die dolmetschen können."
        ),
        when=_When(5, "09:00", "12:00"),
        capacity=2,
        address="Jülicher Straße 112",
        interests=("refugees_integration",),
        skills=("translation", "languages"),
        urgent=True,
    ),
    _Need(
        org="repair",
        title="Repair-Café: Reparieren statt Wegwerfen",
        description=(
            "Hilf beim Reparieren von Elektrogeräten, Fahrrädern oder Kleidung – oder "
            "empfange die Gäste und koche Kaffee."
        ),
        when=_When(6, "14:00", "17:00"),
        capacity=5,
        address="Stolberger Straße 23",
        interests=("environment_animals", "neighbourhood"),
        skills=("craft", "it"),
    ),
    _Need(
        org="firma",
        title="Müllsammelaktion im Westpark",
        description=(
            "Gemeinsam mit unserem Social-Day-Team sammeln wir Müll im Westpark und an "
            "den Wegen ringsum. Handschuhe und Greifzangen werden gestellt."
        ),
        when=_When(7, "10:00", "13:00"),
        capacity=6,
        address="Westpark, Treffpunkt Eingang Vaalser Straße",
        interests=("environment_animals", "neighbourhood"),
        postal_code="52064",
    ),
    _Need(
        org="sport",
        title="Trikotwäsche nach dem Heimspiel",
        description=(
            "Die Trikots der D-Jugend müssen gewaschen und bis zum nächsten Training "
            "zurückgebracht werden. Waschmittel zahlt der Verein."
        ),
        when=_When(3, "19:00", "20:30"),
        capacity=1,
        address="Horbacher Straße 60",
        interests=("sport",),
    ),
    _Need(
        org="sport",
        title="Trainingshilfe für die Bambini",
        description=(
            "Unterstütze unsere Trainerin bei Ballspielen mit Vier- bis Sechsjährigen. "
            "Erfahrung im Vereinssport hilft, ist aber kein Muss."
        ),
        when=_When(4, "17:00", "18:30"),
        capacity=2,
        address="Horbacher Straße 60",
        interests=("sport", "children_youth"),
        skills=("sport_coaching",),
    ),
    _Need(
        org="sanitaeter",
        title="Sanitätsdienst beim Aachener Stadtlauf",
        description=(
            "Wir betreuen die Strecke mit mehreren Posten. Ein gültiger Erste-Hilfe-Kurs "
            "ist Voraussetzung, Ausrüstung stellen wir."
        ),
        when=_When(8, "08:00", "14:00"),
        capacity=6,
        address="Markt, Start- und Zielbereich",
        interests=("civil_protection", "health_care", "events"),
        skills=("first_aid",),
        postal_code="52062",
    ),
    _Need(
        org="rwth",
        title="Laptop-Sprechstunde für Geflüchtete",
        description=(
            "Hilf beim Einrichten gespendeter Laptops, bei E-Mail-Konten und Online-Formularen."
        ),
        when=_When(5, "16:00", "18:00"),
        capacity=3,
        address="Templergraben 57",
        interests=("digital", "refugees_integration"),
        skills=("it",),
    ),
    _Need(
        org="digital",
        title="Smartphone-Sprechstunde für Seniorinnen und Senioren",
        description=(
            "WhatsApp, Fotos, Videoanrufe mit den Enkeln: Du beantwortest geduldig "
            "Fragen rund ums Handy."
        ),
        when=_When(1, "10:00", "12:00"),
        capacity=2,
        address="Bismarckstraße 58",
        interests=("digital", "seniors"),
        skills=("it",),
        postal_code="52066",
    ),
    _Need(
        org="stadt",
        title="Infostand beim Ehrenamtstag auf dem Katschhof",
        description=(
            "Am Stand informierst du Besucherinnen und Besucher über Engagement in "
            "Aachen und verteilst Flyer. Auf- und Abbau inklusive."
        ),
        when=_When(9, "11:00", "16:00"),
        capacity=3,
        address="Katschhof",
        interests=("events", "neighbourhood"),
        skills=("carrying",),
    ),
    _Need(
        org="theater",
        title="Kulissenbau für unser Herbststück",
        description=(
            "Sägen, schrauben, streichen: Wir bauen das Bühnenbild für die nächste "
            "Premiere. Werkzeug ist vorhanden."
        ),
        when=_When(7, "18:00", "21:00"),
        capacity=3,
        address="Von-Coels-Straße 30",
        interests=("culture", "events"),
        skills=("craft",),
    ),
    _Need(
        org="pfadfinder",
        title="Küchenteam fürs Wochenend-Zeltlager",
        description=(
            "Kochen für rund 40 hungrige Kinder auf dem Zeltplatz – mit großen Töpfen "
            "und viel guter Laune."
        ),
        when=_When(9, "16:00", "20:00"),
        capacity=2,
        address="Schurzelter Straße 120",
        interests=("children_youth", "events"),
        skills=("cooking",),
    ),
)


def _local(day: date, hhmm: str) -> datetime:
    """A wall-clock time in Aachen as an aware datetime (DST handled by zoneinfo)."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LOCAL_TZ)


def _jitter(index: int) -> tuple[float, float]:
    """A small fixed offset (< 150 m) so pins at one postal code do not coincide."""
    return ((index * 7) % 5 - 2) * 0.0005, ((index * 3) % 5 - 2) * 0.0007


def _place(pc: PostalCode, index: int) -> tuple[float, float]:
    dlat, dlon = _jitter(index)
    return round(pc.latitude + dlat, 6), round(pc.longitude + dlon, 6)


def _postal_code(directory: PostalCodeDirectory, code: str) -> PostalCode:
    pc = directory.lookup(code)
    if pc is None or pc.district_key != DEMO_DISTRICT_KEY:
        raise ValueError(f"demo postal code {code} is not in district {DEMO_DISTRICT_KEY}")
    return pc


async def has_data(store: Store) -> bool:
    """Whether any organisation exists: demo data is only offered to an empty database."""
    async with store.transaction() as uow:
        return await uow.organisations.count() > 0


async def load_demo_data(
    store: Store, *, now: datetime, directory: PostalCodeDirectory | None = None
) -> DemoSummary:
    """Create the Aachen demo municipality, organisations, needs, offers and searches, once.

    Dated needs and posts fall on the 1st to 9th local day after ``now`` so they are
    always in the future and within ten days. Does nothing when the municipality with
    slug "aachen" already exists.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("load_demo_data needs a timezone-aware 'now'")
    directory = directory or default_directory()
    today = now.astimezone(LOCAL_TZ).date()
    try:
        async with store.transaction() as uow:
            if await uow.municipalities.by_slug(DEMO_SLUG) is not None:
                log.info("demo municipality %r exists already; not loading demo data", DEMO_SLUG)
                return DemoSummary()
            municipality = await uow.municipalities.add(
                Municipality(
                    name="Aachen", slug=DEMO_SLUG, district_key=DEMO_DISTRICT_KEY, is_demo=True
                )
            )
            organisations: dict[str, Organisation] = {}
            for index, spec in enumerate(_ORGANISATIONS):
                pc = _postal_code(directory, spec.postal_code)
                latitude, longitude = _place(pc, index)
                organisations[spec.key] = await uow.organisations.add(
                    Organisation(
                        name=spec.name,
                        kind=spec.kind,
                        description=spec.description,
                        interests=list(spec.interests),
                        postal_code=pc.code,
                        place=pc.place,
                        latitude=latitude,
                        longitude=longitude,
                        municipality_id=municipality.id,
                        status="approved",
                        public_contact=spec.contact,
                        is_demo=True,
                        language="de",
                    )
                )
            for index, need in enumerate(_NEEDS):
                organisation = organisations[need.org]
                assert organisation.id is not None
                pc = _postal_code(directory, need.postal_code or organisation.postal_code)
                if need.postal_code is None:
                    latitude, longitude = organisation.latitude, organisation.longitude
                else:
                    latitude, longitude = _place(pc, index + len(_ORGANISATIONS))
                starts_at = ends_at = None
                if need.when is not None:
                    day = today + timedelta(days=need.when.day)
                    starts_at, ends_at = _local(day, need.when.start), _local(day, need.when.end)
                await uow.needs.add(
                    Need(
                        organisation_id=organisation.id,
                        title=need.title,
                        description=need.description,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        capacity=need.capacity,
                        postal_code=pc.code,
                        address=need.address,
                        latitude=latitude,
                        longitude=longitude,
                        interests=list(need.interests),
                        skills=list(need.skills),
                        urgent=need.urgent,
                        status="open",
                        is_demo=True,
                        language="de",
                    )
                )
            posts = await add_demo_posts(uow, organisations, now=now, tz=LOCAL_TZ)
    except IntegrityError:
        # Another process may have loaded the demo at the same moment (unique slug);
        # its copy is as good as ours. Any other integrity problem is a real bug.
        async with store.transaction() as uow:
            if await uow.municipalities.by_slug(DEMO_SLUG) is None:
                raise
        log.info("demo data was loaded concurrently; keeping the other copy")
        return DemoSummary()
    summary = DemoSummary(
        municipalities=1, organisations=len(_ORGANISATIONS), needs=len(_NEEDS), posts=posts
    )
    log.info("loaded demo data: %s", summary)
    return summary

"""The public needs page: what it lists, its filters, languages, embedding, errors."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.bot.web.conftest import BOT, MXID
from tests.bot.web.seed import PRIVATE, SLUG, Seeded

PAGE = f"/{SLUG}/"


def titles(html: str) -> list[str]:
    found = re.findall(
        r'<h3 id="need-\d+">(?:<span class="urgent">[^<]*</span> )?<bdi[^>]*>([^<]+)</bdi></h3>',
        html,
    )
    return [title.strip() for title in found]


async def test_lists_open_future_needs_of_approved_organisations_only(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await client.get(PAGE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert sorted(titles(response.text)) == sorted(seeded.shown)
    for title in seeded.hidden:
        assert title not in response.text
    assert "Schattenverein" not in response.text
    assert "52477 Alsdorf" in response.text  # the postal code with its town


async def test_german_by_default_and_a_language_switch(client: httpx.AsyncClient) -> None:
    german = await client.get(PAGE)
    assert '<html lang="de"' in german.text
    assert "Ehrenamt in Musterstadt" in german.text
    assert 'href="?lang=en"' in german.text
    english = await client.get(PAGE, params={"lang": "en"})
    assert '<html lang="en"' in english.text
    assert "Volunteering in Musterstadt" in english.text
    assert "3 open needs" in english.text
    assert "Ehrenamt in" not in english.text
    arabic = await client.get(PAGE, params={"lang": "ar"})
    assert '<html lang="ar" dir="rtl">' in arabic.text


async def test_peoples_words_are_isolated_and_marked_with_their_language(
    client: httpx.AsyncClient,
) -> None:
    """In a right-to-left page a German title keeps its own direction (<bdi>), and a
    reader of another language learns what language it is written in."""
    arabic = (await client.get(PAGE, params={"lang": "ar"})).text
    assert '<bdi lang="de">Hausaufgabenhilfe</bdi>' in arabic
    assert "<bdi>Tafel Musterstadt</bdi>" in arabic
    assert "اللغة الأصلية" in arabic  # "original language"
    english = (await client.get(PAGE, params={"lang": "en"})).text
    assert "original language: German" in english
    german = (await client.get(PAGE)).text
    assert "Originalsprache" not in german


async def test_help_links_open_the_need_in_the_bot(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    html = (await client.get(PAGE, params={"lang": "en"})).text
    for need_id in seeded.shown.values():
        assert f'href="https://t.me/{BOT}?start=need_{need_id}"' in html
        assert f'<code dir="ltr">!start need_{need_id}</code>' in html
    assert f'href="https://matrix.to/#/{MXID}"' in html
    assert "tafel@example.org" in html  # an organisation's public contact is fine


async def test_no_messenger_links_without_the_messenger(
    sqlite_store,
    clock,
    seeded: Seeded,  # type: ignore[no-untyped-def]
) -> None:
    from bot.web.app import create_web_app
    from tests.bot.web.conftest import deps

    app = create_web_app(deps(sqlite_store, clock, telegram_bot=lambda: "", matrix_user=""))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://engage.test"
    ) as client:
        html = (await client.get(PAGE, params={"lang": "en"})).text
    assert "t.me/" not in html and "matrix.to" not in html
    assert "Sign-up in the chat is not available at the moment." in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"interest": "education_tutoring"}, ["Hausaufgabenhilfe"]),
        ({"interest": "seniors"}, ["Dauerhafte Begleitung"]),
        ({"plz": "52062", "radius": "5"}, ["Lebensmittel sortieren", "Dauerhafte Begleitung"]),
        (
            {"plz": "52062", "radius": "25"},
            ["Lebensmittel sortieren", "Hausaufgabenhilfe", "Dauerhafte Begleitung"],
        ),
        ({"plz": "52477", "radius": "2"}, ["Hausaufgabenhilfe"]),
        ({"date": "2026-06-06"}, ["Lebensmittel sortieren"]),
        ({"date": "2026-06-08"}, ["Hausaufgabenhilfe"]),
        ({"date": "2026-06-07"}, []),
        ({"interest": "neighbourhood", "plz": "52477", "radius": "2"}, []),
    ],
)
async def test_filters(
    client: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    response = await client.get(PAGE, params={"lang": "en", **params})
    assert response.status_code == 200
    assert sorted(titles(response.text)) == sorted(expected)
    if not expected:
        assert "No open needs match these filters" in response.text
    for name, value in params.items():  # the form shows what was chosen
        assert f'value="{value}"' in response.text, name


async def test_distance_is_shown_with_a_postal_code(client: httpx.AsyncClient) -> None:
    html = (await client.get(PAGE, params={"lang": "en", "plz": "52062", "radius": "25"})).text
    assert re.search(r"\(1[0-9](\.\d)? km\)", html)  # Alsdorf from the centre of Aachen


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"plz": "5206"}, "Please enter a German postal code with five digits."),
        ({"plz": "abcde"}, "Please enter a German postal code with five digits."),
        ({"plz": "00000"}, "This postal code is unknown."),
        ({"date": "13.06.2026"}, "Please enter a date like 2026-06-13."),
        ({"date": "2026-02-30"}, "Please enter a date like 2026-06-13."),
        ({"radius": "7"}, "This value is not one of the choices."),
        ({"radius": "-1"}, "This value is not one of the choices."),
        ({"interest": "'><script>"}, "This value is not one of the choices."),
        ({"embed": "yes"}, "This value is not one of the choices."),
    ],
)
async def test_malformed_parameters_are_400_with_the_form(
    client: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    response = await client.get(PAGE, params={"lang": "en", **params})
    assert response.status_code == 400
    assert message in response.text
    assert "<script>" not in response.text  # what was typed is escaped
    assert 'aria-invalid="true"' in response.text or "plz" not in params


async def test_unknown_language_is_400_in_the_default_language(client: httpx.AsyncClient) -> None:
    response = await client.get(PAGE, params={"lang": "xx"})
    assert response.status_code == 400
    assert '<html lang="de"' in response.text


@pytest.mark.parametrize(
    "path",
    ["/nirgendwo/", "/Musterstadt/", "/%00/", "/a/b/c", "/ical/", "/http:evil.example", "/x%3Ay"],
)
async def test_unknown_pages_are_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404


async def test_slash_is_added(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/{SLUG}")
    assert response.status_code == 308
    assert response.headers["location"] == f"{SLUG}/"


async def test_embeddable_variant_has_no_page_chrome(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    full = await client.get(PAGE)
    embedded = await client.get(PAGE, params={"embed": "1"})
    assert embedded.status_code == 200
    assert "<header" in full.text and "<footer" in full.text
    assert "<header" not in embedded.text and "<footer" not in embedded.text
    assert 'name="embed" value="1"' in embedded.text  # filtering stays embedded
    assert sorted(titles(embedded.text)) == sorted(seeded.shown)
    assert "frame-ancestors 'none'" in full.headers["content-security-policy"]
    assert "frame-ancestors *" in embedded.headers["content-security-policy"]


async def test_accessible_markup(client: httpx.AsyncClient) -> None:
    html = (await client.get(PAGE)).text
    for field in ("f-interest", "f-date", "f-plz", "f-radius"):
        assert f'<label for="{field}">' in html
        assert f'id="{field}"' in html
    assert "<main>" in html and "<article" in html and "<nav" in html
    assert 'aria-current="true"' in html


async def test_no_personal_data_of_volunteers_on_any_page(client: httpx.AsyncClient) -> None:
    pages = [
        "/",
        PAGE,
        f"{PAGE}?lang=en",
        f"{PAGE}?embed=1",
        f"{PAGE}?plz=52080&radius=50",
        f"{PAGE}?interest=neighbourhood",
    ]
    for path in pages:
        response = await client.get(path)
        assert response.status_code == 200, path
        for needle in PRIVATE:
            if needle == "52080" and "plz=52080" in path:
                continue  # typed into the form by the reader, shown back to them
            assert needle not in response.text, (path, needle)
    # the one signed-up volunteer shows only as a count of spots left
    assert "2 spots left" in (await client.get(f"{PAGE}?lang=en")).text


async def test_index_lists_municipalities(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert f'href="{SLUG}/"' in response.text
    assert 'href="nachbarort/"' in response.text


async def test_static_files(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/style.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert (await client.get("/static/favicon.svg")).status_code == 200
    assert (await client.get("/static/missing.css")).status_code == 404

"""A real headless Chromium (Debian's ``chromium``) against the needs page served by
uvicorn: filter by keyboard-labelled fields, follow "help via Telegram", no console
errors; screenshots are kept under var/test-artifacts/."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.web.app import create_web_app
from bot.web.server import WebServer
from storage.db import Store
from tests.bot.web.conftest import BOT, deps
from tests.bot.web.seed import SLUG, Seeded
from tests.fakes import FixedClock

pytestmark = pytest.mark.slow
CHROMIUM = os.environ.get("ENGAGE_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "var" / "test-artifacts"


@pytest.fixture
def chromium() -> str:
    if os.environ.get("ENGAGE_TEST_BROWSER", "").lower() == "skip":
        pytest.skip("ENGAGE_TEST_BROWSER=skip")
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `apt-get install chromium` (make test does), point "
            "ENGAGE_TEST_CHROMIUM at a Chromium, or set ENGAGE_TEST_BROWSER=skip.",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture
async def server(sqlite_store: Store, clock: FixedClock, seeded: Seeded) -> AsyncIterator[str]:
    web = WebServer(create_web_app(deps(sqlite_store, clock)), "127.0.0.1", 0)
    await web.start()
    try:
        yield web.url
    finally:
        await web.stop()


def _luminance(rgb: str) -> float:
    channels = [int(part) / 255 for part in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


async def contrast_of(element: Any) -> float:
    """Text colour against the nearest opaque background, as WCAG measures it."""
    colours = await element.evaluate(
        """el => {
            let bg = el;
            while (bg && getComputedStyle(bg).backgroundColor.endsWith(", 0)")) {
                bg = bg.parentElement;
            }
            const back = bg ? getComputedStyle(bg).backgroundColor : "rgb(255, 255, 255)";
            return [getComputedStyle(el).color, back];
        }"""
    )
    light, dark = sorted((_luminance(colours[0]), _luminance(colours[1])), reverse=True)
    return (light + 0.05) / (dark + 0.05)


async def test_needs_page_in_a_real_browser(chromium: str, server: str, seeded: Seeded) -> None:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = await browser.new_context(viewport={"width": 390, "height": 844})
            # t.me is outside the test's world: answer for it, and record that it was asked.
            await context.route(
                "https://t.me/**",
                lambda route: route.fulfill(
                    status=200, content_type="text/html", body="<title>Telegram</title>"
                ),
            )
            page = await context.new_page()
            page.on(
                "console",
                lambda message: problems.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on(
                "response",
                lambda response: (
                    problems.append(f"{response.status} {response.url}")
                    if response.status >= 400
                    else None
                ),
            )

            await page.goto(f"{server}/{SLUG}/?lang=en")
            assert await page.title() == "Volunteering in Musterstadt"
            assert await page.locator("article.need").count() == 3
            await page.keyboard.press("Tab")  # the first stop: skip to the needs
            focused = page.locator(":focus")
            assert await focused.inner_text() == "Skip to the needs"
            await page.keyboard.press("Enter")
            assert (await page.evaluate("location.hash")) == "#needs"
            for selector in (
                "h1",
                "label",
                "small",
                ".organisation",
                "button",
                ".urgent",
                ".button.secondary",
                "footer p",
                ".languages a",
            ):
                ratio = await contrast_of(page.locator(selector).first)
                assert ratio >= 4.5, (selector, ratio)  # WCAG AA for normal text
            await page.screenshot(path=str(ARTIFACTS / "needs-page-phone.png"), full_page=True)

            # Keyboard and labels: the fields are found by their visible labels.
            await page.get_by_label("Interest").select_option("education_tutoring")
            await page.get_by_label("Your postal code").fill("52477")
            await page.get_by_label("Distance").select_option("5")
            await page.get_by_label("Your postal code").press("Enter")  # submits the form
            await page.wait_for_url("**interest=education_tutoring**")
            assert await page.locator("article.need").count() == 1
            assert "Hausaufgabenhilfe" in await page.locator("article.need h3").inner_text()
            assert await page.get_by_label("Your postal code").input_value() == "52477"

            link = page.get_by_role("link", name="Help via Telegram")
            need_id = seeded.shown["Hausaufgabenhilfe"]
            expected = f"https://t.me/{BOT}?start=need_{need_id}"
            assert await link.get_attribute("href") == expected
            async with context.expect_page() as opened:
                await link.click()
            telegram = await opened.value
            await telegram.wait_for_load_state()
            assert telegram.url == expected

            await page.set_viewport_size({"width": 1280, "height": 900})
            await page.screenshot(path=str(ARTIFACTS / "needs-page-filtered.png"), full_page=True)

            await page.goto(f"{server}/{SLUG}/?embed=1")
            assert await page.locator("header").count() == 0
            await page.get_by_label("Interesse").select_option("seniors")
            await page.get_by_role("button", name="Bedarfe zeigen").click()
            await page.wait_for_url("**embed=1**interest=seniors**")
            assert await page.locator("article.need").count() == 1
            await page.screenshot(path=str(ARTIFACTS / "needs-page-embed.png"), full_page=True)

            # Arabic: the page runs right to left; a German title inside keeps its order.
            await page.goto(f"{server}/{SLUG}/?lang=ar")
            assert await page.evaluate("getComputedStyle(document.body).direction") == "rtl"
            widths = await page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert widths[0] <= widths[1], widths  # nothing sticks out sideways
            title = page.locator("article.need h3 bdi").first
            assert await title.evaluate("el => getComputedStyle(el).direction") == "ltr"
            await page.screenshot(path=str(ARTIFACTS / "needs-page-arabic.png"), full_page=True)
        finally:
            await browser.close()
    assert problems == []
    assert (ARTIFACTS / "needs-page-filtered.png").stat().st_size > 10_000

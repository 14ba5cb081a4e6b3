"""The reader as a person uses it: ``newscrawl serve`` on a database filled by a crawl of
the loopback newsroom (plus one hostile article), driven in Debian's chromium through
Playwright. Screenshots of every page at desktop and phone widths go to
``build/reader-screenshots/`` (not committed; docs/reader.png is one of them)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright
from sqlalchemy import select

from newscrawl.demo import newsroom as nr
from newscrawl.store import Store, upgrade
from newscrawl.store.schema import articles, images
from tests.newsroomkit import Newsroom, newsroom_fixture, run_scrapy  # noqa: F401  (fixture)
from tests.readerkit import HOSTILE, Reader, serve

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = os.environ.get("NEWSCRAWL_CHROMIUM", "/usr/bin/chromium")
if not Path(CHROMIUM).exists():
    pytest.skip("chromium is not installed", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "reader-screenshots"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
SOURCES = ("independent", "inkl", "apnews", "standard")


def _path(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture(scope="module")
def crawled(newsroom: Newsroom, tmp_path_factory) -> Iterator[tuple[str, dict[str, int]]]:
    """A database filled by crawling every newsroom source, then one hostile article."""
    workdir = tmp_path_factory.mktemp("reader")
    url = f"sqlite:///{workdir / 'news.db'}"
    upgrade(url)
    for name in SOURCES:
        done = run_scrapy(["source", "-a", f"name={name}"], newsroom=newsroom,
                          workdir=workdir / "crawl", database_url=url)  # fmt: skip
        assert done.returncode == 0, done.log[-3000:]
    store = Store.open(url)
    try:
        assert not store.write([HOSTILE]).rejected
        with store.engine.connect() as connection:
            rows = connection.execute(select(articles.c.id, articles.c.canonical_url)).all()
    finally:
        store.close()
    yield url, {_path(u) if "hostile" not in u else "hostile": i for i, u in rows}


@pytest.fixture(scope="module")
def reader(crawled) -> Iterator[Reader]:
    with serve(crawled[0]) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


class Watched:
    """A page whose dialogs, script errors and console errors are recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("console", self._console)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message: ConsoleMessage) -> None:
        # a picture that cannot be fetched is the network's business, not a script's
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(message.text)


@pytest.fixture
def page(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watched = Watched(context.new_page())
    yield watched
    context.close()
    assert watched.dialogs == [], "a dialog opened: an article's script ran"
    assert watched.errors == [], watched.errors


def test_the_seed_article_shows_its_pictures_credits_and_sightings(
    reader: Reader, crawled, page: Watched
) -> None:
    url, ids = crawled
    seed = ids[nr.SEED_PATH]
    store = Store.open(url)
    with store.engine.connect() as connection:
        pictures = connection.execute(
            select(images.c.caption, images.c.credit).where(images.c.article_id == seed)
            .order_by(images.c.position)
        ).all()  # fmt: skip
    store.close()
    captioned = [(c, k) for c, k in pictures if c]
    assert len(captioned) >= 5
    page.page.goto(f"{reader.url}article/{seed}")
    figures = page.page.locator("figure figcaption")
    shown = [
        (f.locator(".caption").inner_text(), f.locator(".photo-credit").inner_text())
        for f in figures.all()
    ]
    assert shown == [(c, k) for c, k in captioned if k]  # every caption with its credit
    assert page.page.locator(".wire .credit").all_inner_texts() == [
        "Associated Press", "Reuters"
    ]  # fmt: skip
    sightings = page.page.locator("tr.sighting").all_inner_texts()
    assert len(sightings) == 5
    assert any("/news/" in s and "original" in s for s in sightings)  # the publisher's page
    assert any(nr.SEED_INKL_PATH in s and "copy" in s for s in sightings)  # the aggregator's
    for img in page.page.locator("figure img").all():
        assert img.get_attribute("referrerpolicy") == "no-referrer"


def test_search_finds_the_seed_by_a_phrase_of_its_body(
    reader: Reader, crawled, page: Watched
) -> None:
    _, ids = crawled
    page.page.goto(reader.url)
    store_url = crawled[0]
    store = Store.open(store_url)
    with store.engine.connect() as connection:
        body = connection.scalar(select(articles.c.body).where(articles.c.id == ids[nr.SEED_PATH]))
    store.close()
    words = re.findall(r"[A-Za-z]+", (body or "").split("\n\n")[2])[3:9]
    phrase = '"' + " ".join(words) + '"'
    page.page.fill("form.quick input[name=q]", phrase)
    page.page.click("form.quick button")
    page.page.wait_for_url(re.compile(r"/search\?q="))
    results = page.page.locator("li.result")
    assert results.count() == 1
    assert f"/article/{ids[nr.SEED_PATH]}" in (
        results.first.locator("h3 a").get_attribute("href") or ""
    )
    assert results.first.locator("mark").count() >= 1


def test_a_story_carried_by_two_publishers_shows_both(reader: Reader, crawled, page: Watched):
    _, ids = crawled
    page.page.goto(reader.url)
    story = page.page.locator("section.story").filter(
        has=page.page.locator(f"a[href='/article/{ids[nr.WIRE_COPY_PATH]}']")
    )
    assert story.count() == 1
    publishers = story.locator(".card .publisher").all_inner_texts()
    assert sorted(publishers) == ["Associated Press", "Evening Standard"]
    assert "2 publishers carry this story" in story.inner_text()


def test_a_hostile_article_never_runs_its_script(reader: Reader, crawled, page: Watched) -> None:
    _, ids = crawled
    hostile = ids["hostile"]
    for path in (f"article/{hostile}", "", "search?q=zanzibarian", "publishers"):
        page.page.goto(reader.url + path)
        page.page.wait_for_load_state("load")
        for picture in page.page.locator("img").all():
            picture.hover()  # an onmouseover/onerror smuggled in would fire now
    headline = page.page.goto(f"{reader.url}article/{hostile}")
    assert headline is not None and headline.ok
    assert "<script>alert('headline')</script>" in page.page.locator("h1").inner_text()
    page.page.locator("text=click").click()  # a javascript: link in the body is plain text
    assert page.page.evaluate("document.scripts.length") == 0


def test_screenshots_of_every_page(reader: Reader, crawled, browser: Browser) -> None:
    _, ids = crawled
    pages = {
        "latest": "",
        "article": f"article/{ids[nr.SEED_PATH]}",
        "search": "search?q=bakhmut",
        "publisher": "publisher/independent",
        "publishers": "publishers",
        "runs": "runs",
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        watched = Watched(context.new_page())
        for name, path in pages.items():
            answer = watched.page.goto(reader.url + path)
            assert answer is not None and answer.status == 200, path
            target = SHOTS / f"{name}-{size}.png"
            watched.page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 10_000
            if size == "desktop" and name == "article":  # what docs/reader.png shows
                watched.page.screenshot(path=str(SHOTS / "article-desktop-top.png"))
            overflow = watched.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{name} at {size} scrolls sideways by {overflow} px"
        context.close()
        assert watched.dialogs == [] and watched.errors == []

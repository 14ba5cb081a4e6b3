"""The newsroom's sites and pages: what each loopback host serves at each path.

Four hosts, one port: ``inkl`` (an aggregator, 127.0.0.1), ``independent`` (127.0.0.2),
``apnews`` (127.0.0.3) and ``standard`` (127.0.0.4). Real publisher pages are served as
saved; the rest is built from the seed text and Fundus' expected values. Together they give
a crawler every case it meets in the wild: RSS, Atom and JSON feeds, a news sitemap, a
sitemap index with a gzipped child, section pages, an AMP variant, tracking-parameter links,
an aggregator copy of a publisher article, one wire story at two publishers, tag/author/
video/gallery links, a non-article page, a 404, a robots.txt ``Disallow`` and a page that only
JavaScript renders.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import cache
from importlib import resources

from newscrawl.demo import templates as t

HOSTS: dict[str, str] = {
    "inkl": "127.0.0.1",
    "independent": "127.0.0.2",
    "apnews": "127.0.0.3",
    "standard": "127.0.0.4",
}

#: Served-as-saved real pages: (site, path, file in content/pages).
REAL_PAGES: tuple[tuple[str, str, str], ...] = (
    (
        "independent",
        "/news/world/laos-methanol-poisoning-holly-bowles-death-b2651790.html",
        "TheIndependent_2024_11_22.html.gz",
    ),
    (
        "apnews",
        "/article/mexico-economy-growth-3cc842471fb9df42315d658d88c8403a",
        "APNews_2023_04_28.html.gz",
    ),
    (
        "apnews",
        "/article/trump-harris-presidential-election-2024-labor-day-151f82b59473d29a448ef1cea9afe471",
        "APNews_2024_09_03.html.gz",
    ),
    (
        "standard",
        "/sport/football/chelsea-fc-vs-tottenham-analysis-premier-league-2024-b1155186.html",
        "EveningStandard_2024_05_02.html.gz",
    ),
    (
        "standard",
        "/news/politics/tony-blair-interview-london-standard-dylan-jones-ukraine-war-labour-keir-starmer-b1189828.html",
        "EveningStandard_2024_10_24.html.gz",
    ),
)

SEED_PATH = "/news/world/europe/russia-bakhmut-wagner-retreat-ukraine-b2338461.html"
SEED_AMP_PATH = "/amp" + SEED_PATH
SEED_INKL_PATH = (
    "/news/the-independent-uk/russia-admits-its-forces-have-fallen-back-near-bakhmut-as-"
    "ukraine-gains-ground"
)
WIRE_COPY_PATH = "/business/mexico-economy-grew-first-quarter-year-on-year-b1080001.html"
JS_PATH = "/news/world/sweden-pamphlet-how-to-survive-war-households-b1190001.html"
MISSING_PATH = "/news/uk/storm-shadow-missiles-deleted-story-b2338000.html"
DISALLOWED_PATH = "/private/internal-memo-about-coverage-b2330000.html"
TRACKING = "?utm_source=twitter&utm_medium=social&fbclid=IwAR0abc"
LAST_MODIFIED = datetime(2024, 11, 22, 12, 0, tzinfo=UTC)


@dataclass(slots=True)
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass(slots=True)
class Site:
    key: str
    name: str
    kind: str  # publisher | aggregator
    host: str
    port: int
    pages: dict[str, Resource] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def add(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8"):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = Resource(data, content_type)


@dataclass(slots=True)
class Newsroom:
    port: int
    sites: dict[str, Site]

    def site_at(self, host: str) -> Site | None:
        return next((s for s in self.sites.values() if s.host == host), None)

    def url(self, site: str, path: str) -> str:
        return self.sites[site].url(path)

    @property
    def hosts(self) -> list[str]:
        return [s.host for s in self.sites.values()]

    def sources_toml(self) -> str:
        """A catalogue file for crawling this newsroom (see :mod:`newscrawl.publishers`)."""
        out = []
        for key, start in DEMO_START_PATHS.items():
            site = self.sites[key]
            entries = "".join(
                f"[[publisher.{key}.entry]]\nurl = {json.dumps(site.url(p))}\n\n" for p in start
            )
            out.append(
                f"[publisher.{key}]\nname = {json.dumps(site.name)}\n"
                f"kind = {json.dumps(site.kind)}\ndomains = [{json.dumps(site.host)}]\n\n"
                f"{entries}[publisher.{key}.politeness]\n"
                f"DOWNLOAD_DELAY = 0\nAUTOTHROTTLE_ENABLED = false\n"
            )
        return "\n".join(out)


#: What a crawl of each newsroom source starts from.
DEMO_START_PATHS: dict[str, tuple[str, ...]] = {
    "inkl": ("/",),
    "independent": ("/", "/news/world/rss", "/sitemap.xml"),
    "apnews": ("/", "/hub/ap-top-news.atom", "/news-sitemap.xml"),
    "standard": ("/", "/feed.json"),
}


def _content(name: str) -> bytes:
    return resources.files("newscrawl.demo").joinpath("content", name).read_bytes()


@dataclass(slots=True)
class Seed:
    publisher: str
    story: t.Story
    top: list[str]
    bottom: list[str]


_CAPTION = re.compile(r"^(?P<caption>.{10,200}?) \((?P<credit>Reuters|AP|AFP|PA|Getty)\)$")


@cache
def parse_seed() -> Seed:
    """The seed text (an inkl copy of an Independent article) as a structured story."""
    lines = [ln.strip() for ln in _content("seed_inkl_independent.txt").decode().splitlines()]
    lines = [ln for ln in lines if ln]
    top, rest = lines[:4], lines[4:]
    publisher, _dup, section, author, headline, lead_credit = rest[:6]
    body_lines = rest[6:]
    end = next(i for i, ln in enumerate(body_lines) if ln.endswith("contributed to this report"))
    blocks: list[str | t.Figure] = []
    n = 0
    for line in body_lines[:end]:
        if match := _CAPTION.match(line):
            n += 1
            src = f"/img/bakhmut-{n}.jpg"
            blocks.append(t.Figure(src, match["caption"], match["credit"]))
        else:
            blocks.append(line)
    story = t.Story(
        headline=headline,
        authors=[author],
        published=datetime.fromisoformat("2023-05-12T19:41:00+01:00"),
        blocks=blocks,
        section=section,
        description=str(blocks[0]),
        lead=t.Figure("/img/bakhmut-lead.jpg", "Ukrainian servicemen near Bakhmut", lead_credit),
        credit_line=body_lines[end],
        tags=["Ukraine", "Russia", "Bakhmut"],
    )
    return Seed(publisher, story, top, body_lines[end + 1 :])


def _stories() -> dict[str, dict]:
    return json.loads(_content("stories.json"))


def _abs(site: Site, story: t.Story) -> t.Story:
    """The story with its image paths made absolute on ``site``."""

    def fix(block: str | t.Figure) -> str | t.Figure:
        if isinstance(block, t.Figure):
            return t.Figure(site.url(block.src), block.caption, block.credit)
        return block

    return t.Story(
        headline=story.headline,
        authors=story.authors,
        published=story.published,
        blocks=[fix(b) for b in story.blocks],
        section=story.section,
        description=story.description,
        lead=fix(story.lead) if story.lead else None,  # type: ignore[arg-type]
        credit_line=story.credit_line,
        tags=story.tags,
    )


def build_newsroom(port: int) -> Newsroom:
    """Every site and page, with absolute links on ``port``."""
    names = {
        "inkl": ("inkl", "aggregator"),
        "independent": ("The Independent", "publisher"),
        "apnews": ("AP News", "publisher"),
        "standard": ("Evening Standard", "publisher"),
    }
    sites = {k: Site(k, names[k][0], names[k][1], HOSTS[k], port) for k in HOSTS}
    for key, path, filename in REAL_PAGES:
        sites[key].add(path, gzip.decompress(_content(f"pages/{filename}")))
    room = Newsroom(port, sites)
    _independent(room)
    _apnews(room)
    _standard(room)
    _inkl(room)
    for site in sites.values():
        disallow = "Disallow: /private/\n"
        sitemaps = "".join(
            f"Sitemap: {site.url(p)}\n"
            for p in ("/sitemap.xml", "/news-sitemap.xml")
            if p in site.pages
        )
        site.add("/robots.txt", f"User-agent: *\n{disallow}\n{sitemaps}", "text/plain")
        site.add("/img/placeholder.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 64, "image/jpeg")
    return room


def _independent(room: Newsroom) -> None:
    site = room.sites["independent"]
    seed = parse_seed()
    story = _abs(site, seed.story)
    seed_url = site.url(SEED_PATH)
    site.add(
        SEED_PATH,
        t.publisher_article(
            story, publisher="The Independent", url=seed_url, amp_url=site.url(SEED_AMP_PATH)
        ),
    )
    site.add(
        SEED_AMP_PATH,
        t.publisher_article(
            story,
            publisher="The Independent",
            url=site.url(SEED_AMP_PATH),
            canonical=seed_url,
            is_amp=True,
        ),
    )
    laos = REAL_PAGES[0][1]
    home_links = [
        ("/news/world", "World"),
        ("/news/uk", "UK"),
        (SEED_PATH, story.headline),
        (SEED_PATH + TRACKING, story.headline + " (shared)"),
        (laos, "Laos methanol poisoning"),
        ("/topic/ukraine", "Ukraine"),
        ("/author/chris-stevenson", "Chris Stevenson"),
        ("/video/bakhmut-drone-footage-shows-ruins", "Video: Bakhmut from above"),
        ("/gallery/ukraine-war-in-pictures-may-2023", "In pictures"),
        ("/puzzles/crossword", "Crossword"),
        (MISSING_PATH, "Storm Shadow missiles: what they are"),
        (DISALLOWED_PATH, "Internal memo"),
    ]
    site.add("/", t.listing_page("The Independent", home_links, site_name="The Independent"))
    site.add(
        "/news/world",
        t.listing_page(
            "World news", [(SEED_PATH, story.headline), (laos, "Laos")], site_name="The Independent"
        ),
    )
    site.add(
        "/news/uk",
        t.listing_page(
            "UK news", [(SEED_AMP_PATH, story.headline + " (AMP)")], site_name="The Independent"
        ),
    )
    site.add(
        "/puzzles/crossword",
        t.plain_page(
            "Daily crossword",
            ["Solve today's cryptic crossword.", "New puzzles every morning."],
            site_name="The Independent",
        ),
    )
    site.add(
        DISALLOWED_PATH,
        t.publisher_article(story, publisher="The Independent", url=site.url(DISALLOWED_PATH)),
    )
    laos_date = datetime(2024, 11, 22, 9, 0, tzinfo=UTC)
    feed = [
        (story.headline, seed_url, story.published),
        ("Laos methanol poisoning", site.url(laos), laos_date),
    ]
    site.add(
        "/news/world/rss",
        t.rss("World | The Independent", site.url("/"), feed),
        "application/rss+xml",
    )
    site.add("/sitemaps/news.xml", t.news_sitemap("The Independent", feed), "application/xml")
    site.add(
        "/sitemaps/2024-11.xml.gz",
        gzip.compress(t.url_sitemap([(site.url(laos), laos_date)]).encode(), mtime=0),
        "application/x-gzip",
    )
    site.add(
        "/sitemap.xml",
        t.sitemap_index(
            [
                (site.url("/sitemaps/news.xml"), laos_date),
                (site.url("/sitemaps/2024-11.xml.gz"), laos_date),
            ]
        ),
        "application/xml",
    )


def _apnews(room: Newsroom) -> None:
    site = room.sites["apnews"]
    mexico, election = REAL_PAGES[1][1], REAL_PAGES[2][1]
    stories = _stories()
    items = [
        (
            stories["ap_mexico_economy"]["headline"],
            site.url(mexico),
            datetime.fromisoformat(stories["ap_mexico_economy"]["published"]),
        ),
        (
            "The presidential campaigns brace for a sprint to Election Day",
            site.url(election),
            datetime(2024, 9, 3, 4, 3, 19, tzinfo=UTC),
        ),
    ]
    site.add(
        "/",
        t.listing_page(
            "AP News",
            [(mexico, items[0][0]), (election, items[1][0]), ("/hub/business", "Business")],
            site_name="AP News",
        ),
    )
    site.add(
        "/hub/business", t.listing_page("Business", [(mexico, items[0][0])], site_name="AP News")
    )
    site.add(
        "/hub/ap-top-news.atom", t.atom("AP Top News", site.url("/"), items), "application/atom+xml"
    )
    site.add("/news-sitemap.xml", t.news_sitemap("AP News", items), "application/xml")


def _standard(room: Newsroom) -> None:
    site = room.sites["standard"]
    chelsea, blair = REAL_PAGES[3][1], REAL_PAGES[4][1]
    stories = _stories()
    ap = stories["ap_mexico_economy"]
    wire = t.Story(
        headline="Mexico’s economy grows 1.1% in first quarter",
        authors=ap["authors"],
        published=datetime.fromisoformat("2023-04-28T19:05:00+01:00"),
        blocks=list(ap["paragraphs"]),
        section="Business",
        description=ap["paragraphs"][0],
    )
    site.add(
        WIRE_COPY_PATH,
        t.publisher_article(wire, publisher="Evening Standard", url=site.url(WIRE_COPY_PATH)),
    )
    sweden = stories["metro_sweden_pamphlet"]
    api = "/api/stories/b1190001.json"
    site.add(JS_PATH, t.app_shell("Evening Standard", "/static/app.js", api))
    site.add("/static/app.js", t.APP_JS, "application/javascript")
    site.add(api, json.dumps({**sweden, "publisher": "Evening Standard"}), "application/json")
    items = [
        ("Chelsea vs Tottenham", site.url(chelsea), datetime(2024, 5, 2, 21, 0, tzinfo=UTC)),
        ("Tony Blair interview", site.url(blair), datetime(2024, 10, 24, 6, 0, tzinfo=UTC)),
        (wire.headline, site.url(WIRE_COPY_PATH), wire.published),
        (sweden["headline"], site.url(JS_PATH), datetime.fromisoformat(sweden["published"])),
    ]
    site.add(
        "/",
        t.listing_page(
            "Evening Standard",
            [(u, h) for h, u, _ in items] + [("/sport", "Sport")],
            site_name="Evening Standard",
        ),
    )
    site.add(
        "/sport",
        t.listing_page("Sport", [(chelsea, "Chelsea vs Tottenham")], site_name="Evening Standard"),
    )
    site.add(
        "/feed.json", t.json_feed("Evening Standard", site.url("/"), items), "application/feed+json"
    )


def _inkl(room: Newsroom) -> None:
    site = room.sites["inkl"]
    seed = parse_seed()
    story = _abs(room.sites["independent"], seed.story)  # pictures hot-linked from the original
    original = room.url("independent", SEED_PATH)
    site.add(
        SEED_INKL_PATH,
        t.inkl_article(
            story,
            publisher=seed.publisher,
            url=site.url(SEED_INKL_PATH),
            original_url=original,
            boilerplate_top=seed.top,
            boilerplate_bottom=seed.bottom,
        ),
    )
    links = [
        (SEED_INKL_PATH, story.headline),
        (SEED_INKL_PATH + "?utm_campaign=daily-newsletter", story.headline + " (newsletter)"),
        ("/publishers/the-independent-uk", "The Independent UK"),
        ("/signin", "Sign in"),
    ]
    site.add("/", t.listing_page("inkl — top stories", links, site_name="inkl"))
    site.add(
        "/publishers/the-independent-uk",
        t.listing_page(
            "The Independent UK on inkl", [(SEED_INKL_PATH, story.headline)], site_name="inkl"
        ),
    )


def http_date(value: datetime = LAST_MODIFIED) -> str:
    return format_datetime(value, usegmt=True)

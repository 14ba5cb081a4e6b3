"""A deterministic, generated news site for benchmarks and distributed-crawl tests.

Every page is a pure function of ``(article count, page path)``, so the server needs
no disk and no state, and two runs see byte-identical pages. Article pages look like
real publisher pages where it matters for crawl cost: 50–150 KB of HTML with a big
navigation, inline CSS and scripts, JSON-LD ``NewsArticle``, Open Graph tags, figures
with captions and photo credits, related links and a footer. They are reachable from
section index pages (50 links a page, paginated) and from a sitemap index.

Text is drawn from a pool of sentences built once at import with a fixed seed: cheap
enough per page that the server is never the bottleneck (measured by
``bench/crawl_throughput.py``), yet distinct enough per article that near-duplicate
detection does not merge unrelated articles.
"""

from __future__ import annotations

import html
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SECTIONS: tuple[str, ...] = (
    "world",
    "politics",
    "business",
    "science",
    "sport",
    "culture",
    "technology",
    "health",
)
PER_INDEX_PAGE = 50
PER_SITEMAP = 1000
SITE_NAME = "The Loopback Ledger"
EPOCH = datetime(2025, 1, 1, 6, 0, tzinfo=UTC)

_WORD_TEXT = (
    "government minister said council report market share prices city police court "
    "people year week million billion plan new public election vote party leader "
    "health hospital school children water energy climate river storm coast rail "
    "road bridge company workers union strike deal trade talks border army forces "
    "officials statement spokesperson data survey research scientists study found "
    "record season team coach match final league players fans stadium museum film "
    "festival music artist book award prize local regional national international "
    "budget tax rates bank inflation growth jobs housing rent homes farmers crops "
    "drought flood fire emergency services residents community village town street "
    "centre north south east west early late morning evening announced warned "
    "expected confirmed reported according despite after before during while"
)
_WORDS = _WORD_TEXT.split()
_FIRST_TEXT = "Anna Ben Chloe David Elena Farid Grace Hiro Ines Jonas Kemi Liam Maya Noor"
_FIRST = _FIRST_TEXT.split()
_LAST_TEXT = "Adams Brooks Chen Diaz Evans Fischer Gupta Haddad Ito Jensen Khan Lopez"
_LAST = _LAST_TEXT.split()
_AGENCIES = ("Reuters", "AP", "AFP", "PA")


def _build_sentences(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(9, 24))]
        out.append(" ".join(words).capitalize() + ".")
    return out


_SENTENCES = _build_sentences(6000, seed=20260101)
_CSS_RULE = ".c{n} .m{n} > a:hover{{color:#1{n:02d}a2b;margin:{n}px 0 0;padding:0 {n}px}}"
_CSS = "\n".join(_CSS_RULE.format(n=i % 100) for i in range(1200))  # ~70 KB
_JS_LINE = "window.__cfg{n}=Object.assign({{}},window.__cfg{n}||{{}},{{slot:'ad-{n}',k:{n}}});"
_JS = "\n".join(_JS_LINE.format(n=i) for i in range(900))  # ~70 KB


@dataclass(frozen=True, slots=True)
class Page:
    """One HTTP response body with its status and content type."""

    status: int
    content_type: str
    body: bytes


def article_path(i: int) -> str:
    """Where article ``i`` lives: a dated path with a slug, like real publishers."""
    day = EPOCH + timedelta(hours=i)
    return f"/news/{day:%Y/%m/%d}/story-{i}.html"


def _article_date(i: int) -> datetime:
    return EPOCH + timedelta(hours=i, minutes=i % 60)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _paragraph(rng: random.Random, i: int) -> str:
    sentences = [_SENTENCES[rng.randrange(len(_SENTENCES))] for _ in range(rng.randint(3, 6))]
    # An article-specific token keeps bodies distinct for content fingerprints.
    sentences.append(f"Reference {i}-{rng.randrange(10**6)} was cited.")
    return " ".join(sentences)


def _nav(base: str) -> str:
    links = [
        f'<li><a href="{base}/section/{s}/">{s.title()}</a>'
        + "".join(
            f'<a class="sub" href="{base}/section/{s}/?topic={t}">{s.title()} {t}</a>'
            for t in range(8)
        )
        + "</li>"
        for s in SECTIONS
    ]
    return f'<nav class="site-nav"><ul>{"".join(links)}</ul></nav>'


def _footer(base: str) -> str:
    links = "".join(f'<li><a href="{base}/about/page-{k}">About {k}</a></li>' for k in range(40))
    return f'<footer><ul class="footer-links">{links}</ul><p>© {SITE_NAME}</p></footer>'


def _figure(base: str, i: int, k: int, rng: random.Random, credit: str) -> str:
    caption = html.escape(_SENTENCES[rng.randrange(len(_SENTENCES))])
    return (
        f'<figure class="photo"><img src="{base}/img/{i}-{k}.jpg" width="1200" height="800"'
        f' alt="{caption}"><figcaption><span class="caption">{caption}</span>'
        f' <span class="credit">Photograph: {html.escape(credit)}</span></figcaption></figure>'
    )


def _json_ld(
    base: str, i: int, headline: str, authors: list[str], section: str, n_images: int
) -> str:
    published = _article_date(i)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": headline,
        "url": base + article_path(i),
        "datePublished": published.isoformat(),
        "dateModified": (published + timedelta(minutes=30)).isoformat(),
        "articleSection": section.title(),
        "author": [{"@type": "Person", "name": a} for a in authors],
        "publisher": {"@type": "Organization", "name": SITE_NAME},
        "image": [f"{base}/img/{i}-{k}.jpg" for k in range(n_images)],
        "keywords": [section, "loopback", f"topic-{i % 17}"],
        "inLanguage": "en",
    }
    return json.dumps(data).replace("</", "<\\/")


def article_page(base: str, i: int, n: int) -> Page:
    """Article ``i`` of ``n``: a full publisher page between 50 and 150 KB."""
    rng = random.Random(i)
    section = SECTIONS[i % len(SECTIONS)]
    headline = _SENTENCES[(i * 7919) % len(_SENTENCES)].rstrip(".") + f" ({i})"
    authors = [_person(rng) for _ in range(rng.randint(1, 2))]
    agency = rng.choice(_AGENCIES) if i % 3 == 0 else None
    byline = " and ".join(authors) + (f", {agency}" if agency else "")
    n_images = rng.randint(1, 4)
    credits = [f"{_person(rng)}/{rng.choice(_AGENCIES)}" for _ in range(n_images)]
    paragraphs = [f"<p>{_paragraph(rng, i)}</p>" for _ in range(rng.randint(12, 40))]
    for k in range(1, n_images):
        paragraphs.insert(min(len(paragraphs), 3 * k), _figure(base, i, k, rng, credits[k]))
    related = "".join(
        f'<li><a href="{base}{article_path((i + d) % n)}">Related story {(i + d) % n}</a></li>'
        for d in (1, 2, 3, 5, 8, 13, 21, 34, 55, 89)
    )
    css = _CSS[: rng.randint(20_000, 60_000)]
    js = _JS[: rng.randint(10_000, 50_000)]
    url = base + article_path(i)
    ld_json = _json_ld(base, i, headline, authors, section, n_images)
    title = html.escape(headline)
    description = html.escape(_SENTENCES[(i * 31) % len(_SENTENCES)])
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | {SITE_NAME}</title>
<meta name="description" content="{description}">
<link rel="canonical" href="{url}">
<meta property="og:type" content="article"><meta property="og:title" content="{title}">
<meta property="og:url" content="{url}"><meta property="og:site_name" content="{SITE_NAME}">
<meta property="og:image" content="{base}/img/{i}-0.jpg">
<meta property="article:published_time" content="{_article_date(i).isoformat()}">
<script type="application/ld+json">{ld_json}</script>
<style>{css}</style>
<script>{js}</script>
</head><body class="article-page">
<header><a class="logo" href="{base}/">{SITE_NAME}</a>{_nav(base)}</header>
<main><article>
<p class="kicker"><a href="{base}/section/{section}/">{section.title()}</a></p>
<h1>{title}</h1>
<p class="standfirst">{description}</p>
<p class="byline">By {html.escape(byline)}</p>
<time datetime="{_article_date(i).isoformat()}">{_article_date(i):%d %B %Y}</time>
{_figure(base, i, 0, rng, credits[0])}
<div class="article-body">{"".join(paragraphs)}</div>
<ul class="tags"><li>{section}</li><li>topic-{i % 17}</li></ul>
</article>
<aside class="related"><h2>Related</h2><ul>{related}</ul></aside></main>
{_footer(base)}
<script>window.dataLayer=window.dataLayer||[];dataLayer.push({{article:{i}}});</script>
</body></html>"""
    return Page(200, "text/html; charset=utf-8", body.encode())


def _listing(base: str, title: str, links: list[str], more: str | None) -> Page:
    items = "".join(f'<li><a href="{base}{p}">Story {p}</a></li>' for p in links)
    nxt = f'<a rel="next" href="{base}{more}">Older stories</a>' if more else ""
    body = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='og:type' content='website'></head><body>"
        f"<header>{_nav(base)}</header><main><h1>{title}</h1><ul>{items}</ul>{nxt}</main>"
        f"{_footer(base)}</body></html>"
    )
    return Page(200, "text/html; charset=utf-8", body.encode())


def section_ids(section: str, n: int) -> list[int]:
    """Article ids of one section, newest first."""
    k = SECTIONS.index(section)
    return list(range(n - 1 - ((n - 1 - k) % len(SECTIONS)), -1, -len(SECTIONS)))


def section_page(base: str, section: str, page: int, n: int) -> Page | None:
    """Page ``page`` (1-based) of a section index: 50 article links and an "older" link."""
    ids = section_ids(section, n)
    chunk = ids[(page - 1) * PER_INDEX_PAGE : page * PER_INDEX_PAGE]
    if not chunk:
        return None
    more = f"/section/{section}/page/{page + 1}" if page * PER_INDEX_PAGE < len(ids) else None
    title = f"{section.title()} — page {page}"
    return _listing(base, title, [article_path(i) for i in chunk], more)


def home_page(base: str, n: int) -> Page:
    """The home page: the newest 50 articles and links to every section."""
    latest = [article_path(i) for i in range(n - 1, max(-1, n - 1 - PER_INDEX_PAGE), -1)]
    return _listing(base, SITE_NAME, latest, None)


def sitemap_index(base: str, n: int) -> Page:
    """A sitemap index pointing at one sitemap per 1,000 articles."""
    parts = "".join(
        f"<sitemap><loc>{base}/sitemaps/articles-{k}.xml</loc></sitemap>"
        for k in range((n + PER_SITEMAP - 1) // PER_SITEMAP)
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{parts}</sitemapindex>'
    )
    return Page(200, "application/xml", body.encode())


def sitemap(base: str, k: int, n: int) -> Page | None:
    """Sitemap ``k``: up to 1,000 article URLs with ``lastmod``."""
    ids = range(k * PER_SITEMAP, min(n, (k + 1) * PER_SITEMAP))
    if not ids:
        return None
    urls = "".join(
        f"<url><loc>{base}{article_path(i)}</loc>"
        f"<lastmod>{_article_date(i).isoformat()}</lastmod></url>"
        for i in ids
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )
    return Page(200, "application/xml", body.encode())


ROBOTS = "User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n"
_ARTICLE = re.compile(r"^/news/\d{4}/\d{2}/\d{2}/story-(\d+)\.html$")
_SECTION = re.compile(r"^/section/([a-z]+)/(?:page/(\d+))?$")
_SITEMAP = re.compile(r"^/sitemaps/articles-(\d+)\.xml$")
NOT_FOUND = Page(404, "text/html; charset=utf-8", b"<html><body>Not found</body></html>")


def _route_article(base: str, m: re.Match[str], n: int) -> Page | None:
    i = int(m.group(1))
    return article_page(base, i, n) if 0 <= i < n and m.group(0) == article_path(i) else None


def _route_section(base: str, m: re.Match[str], n: int) -> Page | None:
    if m.group(1) not in SECTIONS:
        return None
    return section_page(base, m.group(1), int(m.group(2) or 1), n)


def _route_sitemap(base: str, m: re.Match[str], n: int) -> Page | None:
    return sitemap(base, int(m.group(1)), n)


_ROUTES: tuple[tuple[re.Pattern[str], Callable[[str, re.Match[str], int], Page | None]], ...] = (
    (_ARTICLE, _route_article),
    (_SECTION, _route_section),
    (_SITEMAP, _route_sitemap),
)


def render(base: str, path: str, n: int) -> Page:
    """The response for ``path`` (query string ignored) on a site of ``n`` articles.

    >>> render("http://h", article_path(3), 10).status
    200
    >>> render("http://h", article_path(30), 10).status
    404
    >>> 50_000 <= len(render("http://h", article_path(7), 10).body) <= 150_000
    True
    """
    path = path.split("?", 1)[0]
    if path == "/":
        return home_page(base, n)
    if path == "/robots.txt":
        return Page(200, "text/plain", ROBOTS.format(base=base).encode())
    if path == "/sitemap.xml":
        return sitemap_index(base, n)
    for pattern, route in _ROUTES:
        m = pattern.match(path)
        if m:
            return route(base, m, n) or NOT_FOUND
    return NOT_FOUND

"""HTML, feed and sitemap templates for the built pages of the newsroom."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from html import escape


@dataclass(slots=True)
class Figure:
    src: str
    caption: str
    credit: str | None = None


@dataclass(slots=True)
class Story:
    """A built article: what the publisher page shows."""

    headline: str
    authors: list[str]
    published: datetime
    blocks: list[str | Figure]
    section: str = "News"
    description: str | None = None
    lead: Figure | None = None
    credit_line: str | None = None  # e.g. "Reuters and the Associated Press contributed..."
    tags: list[str] = field(default_factory=list)


def _person(name: str) -> dict[str, str]:
    return {"@type": "Person", "name": name}


def _blocks_html(blocks: list[str | Figure]) -> str:
    out = []
    for block in blocks:
        if isinstance(block, Figure):
            out.append(figure_html(block))
        else:
            out.append(f"<p>{escape(block)}</p>")
    return "\n".join(out)


def figure_html(fig: Figure, css: str = "") -> str:
    credit = f' <span class="credit">({escape(fig.credit)})</span>' if fig.credit else ""
    return (
        f'<figure class="{css}"><img src="{escape(fig.src)}" alt="{escape(fig.caption)}"'
        f' width="1200" height="800"><figcaption>{escape(fig.caption)}{credit}</figcaption>'
        "</figure>"
    )


def publisher_article(
    story: Story,
    *,
    publisher: str,
    url: str,
    canonical: str | None = None,
    amp_url: str | None = None,
    is_amp: bool = False,
) -> str:
    """A publisher's article page: JSON-LD NewsArticle, OpenGraph, byline, figures."""
    lead = story.lead
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline,
        "description": story.description or "",
        "datePublished": story.published.isoformat(),
        "author": [_person(a) for a in story.authors],
        "publisher": {"@type": "NewsMediaOrganization", "name": publisher},
        "articleSection": story.section,
        "keywords": story.tags,
        "mainEntityOfPage": canonical or url,
    }
    if lead is not None:
        ld["image"] = {"@type": "ImageObject", "url": lead.src, "width": 1200, "height": 800}
    amp_link = f'<link rel="amphtml" href="{escape(amp_url)}">' if amp_url else ""
    html_attr = ' amp=""' if is_amp else ""
    byline = ", ".join(
        f'<a rel="author" href="/author/{escape(a.lower().replace(" ", "-"))}">{escape(a)}</a>'
        for a in story.authors
    )
    lead_html = figure_html(lead, "lead") if lead else ""
    credit_line = f"<p><em>{escape(story.credit_line)}</em></p>" if story.credit_line else ""
    return f"""<!doctype html>
<html lang="en"{html_attr}><head><meta charset="utf-8">
<title>{escape(story.headline)} | {escape(publisher)}</title>
<link rel="canonical" href="{escape(canonical or url)}">{amp_link}
<meta name="description" content="{escape(story.description or "")}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{escape(publisher)}">
<meta property="og:title" content="{escape(story.headline)}">
<meta property="og:url" content="{escape(canonical or url)}">
<meta property="article:published_time" content="{story.published.isoformat()}">
<meta property="article:section" content="{escape(story.section)}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head><body>
<header><a href="/">{escape(publisher)}</a> <nav><a href="/news/world">World</a>
<a href="/topic/ukraine">Ukraine</a> <a href="/newsletters">Newsletters</a></nav></header>
<main><article>
<p class="section">{escape(story.section)}</p>
<h1>{escape(story.headline)}</h1>
<div class="byline">By {byline}</div>
<time datetime="{story.published.isoformat()}">{story.published:%d %B %Y %H:%M}</time>
{lead_html}
<div class="article-body">
{_blocks_html(story.blocks)}
{credit_line}
</div>
</article>
<aside class="related"><h2>More stories</h2><a href="/news/world">More world news</a></aside>
</main><footer><a href="/about-us">About us</a> <a href="/contact">Contact</a></footer>
</body></html>
"""


def inkl_article(
    story: Story,
    *,
    publisher: str,
    url: str,
    original_url: str,
    boilerplate_top: list[str],
    boilerplate_bottom: list[str],
) -> str:
    """An inkl-style aggregator copy: the original publisher's name above the headline, a
    "read on …" link to the original, the body, then the sign-up wall and promos."""
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline,
        "datePublished": story.published.isoformat(),
        "author": [_person(a) for a in story.authors],
        "publisher": {"@type": "Organization", "name": publisher},
        "isBasedOn": original_url,
        "url": url,
    }
    top = "".join(f"<p>{escape(t)}</p>" for t in boilerplate_top)
    bottom = "".join(f"<p>{escape(t)}</p>" for t in boilerplate_bottom)
    lead = figure_html(story.lead, "lead") if story.lead else ""
    credit_line = f"<p>{escape(story.credit_line)}</p>" if story.credit_line else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(story.headline)} | inkl</title>
<link rel="canonical" href="{escape(url)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="inkl">
<meta property="og:title" content="{escape(story.headline)}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head><body>
<header class="app-promo">{top}</header>
<main><article>
<div class="publisher-name">{escape(publisher)}</div>
<div class="article-section">{escape(story.section)}</div>
<div class="article-author">{", ".join(escape(a) for a in story.authors)}</div>
<h1>{escape(story.headline)}</h1>
<time datetime="{story.published.isoformat()}">{story.published:%d %B %Y}</time>
{lead}
<div class="article-body">
{_blocks_html(story.blocks)}
{credit_line}
</div>
<a class="original-link" rel="original"
   href="{escape(original_url)}">Read on {escape(publisher)}</a>
</article>
<section class="signup-wall"><h2>Sign up to read this article</h2>
<p>Read news from 100’s of titles, curated specifically for you.</p></section>
<section class="related"><h2>Related Stories</h2></section>
<footer class="promo">{bottom}</footer>
</main></body></html>
"""


def listing_page(title: str, links: list[tuple[str, str]], *, site_name: str) -> str:
    """A home or section page: a list of teasers, some navigation."""
    items = "\n".join(
        f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in links
    )
    ld = {"@context": "https://schema.org", "@type": "CollectionPage", "name": title}
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | {escape(site_name)}</title>
<meta property="og:type" content="website">
<meta property="og:site_name" content="{escape(site_name)}">
<script type="application/ld+json">{json.dumps(ld)}</script>
</head><body><main><h1>{escape(title)}</h1><ul>
{items}
</ul></main></body></html>
"""


def plain_page(title: str, paragraphs: list[str], *, site_name: str) -> str:
    """A page that is not an article (puzzles, about, a service page)."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | {escape(site_name)}</title>
<meta property="og:type" content="website"></head>
<body><main><h1>{escape(title)}</h1>{body}</main></body></html>
"""


def app_shell(title: str, script_src: str, api_url: str) -> str:
    """A page whose content only JavaScript renders (from ``api_url``)."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body><div id="root"></div>
<noscript>Please enable JavaScript to read this article.</noscript>
<script src="{escape(script_src)}" data-api="{escape(api_url)}"></script></body></html>
"""


APP_JS = """const API_URL = document.currentScript.dataset.api;
(async function () {
  const res = await fetch(API_URL);
  const s = await res.json();
  const ld = document.createElement("script");
  ld.type = "application/ld+json";
  ld.textContent = JSON.stringify({"@context": "https://schema.org", "@type": "NewsArticle",
    headline: s.headline, datePublished: s.published,
    author: s.authors.map(n => ({"@type": "Person", name: n})),
    publisher: {"@type": "NewsMediaOrganization", name: s.publisher}});
  document.head.appendChild(ld);
  const og = document.createElement("meta");
  og.setAttribute("property", "og:site_name"); og.content = s.publisher;
  document.head.appendChild(og);
  document.title = s.headline + " | " + s.publisher;
  const art = document.createElement("article");
  const h1 = document.createElement("h1"); h1.textContent = s.headline; art.appendChild(h1);
  const by = document.createElement("div"); by.className = "byline";
  by.textContent = "By " + s.authors.join(" and "); art.appendChild(by);
  const body = document.createElement("div"); body.className = "article-body";
  for (const p of s.paragraphs) {
    const el = document.createElement("p"); el.textContent = p; body.appendChild(el);
  }
  art.appendChild(body);
  document.getElementById("root").appendChild(art);
})();
"""


def rss(title: str, link: str, items: list[tuple[str, str, datetime]]) -> str:
    entries = "\n".join(
        f"<item><title>{escape(t)}</title><link>{escape(u)}</link>"
        f"<guid>{escape(u)}</guid><pubDate>{format_datetime(d)}</pubDate></item>"
        for t, u, d in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{escape(title)}</title><link>{escape(link)}</link>
<description>{escape(title)}</description>
{entries}
</channel></rss>
"""


def atom(title: str, link: str, items: list[tuple[str, str, datetime]]) -> str:
    entries = "\n".join(
        f'<entry><title>{escape(t)}</title><link rel="alternate" href="{escape(u)}"/>'
        f"<id>{escape(u)}</id><updated>{d.isoformat()}</updated></entry>"
        for t, u, d in items
    )
    updated = max(d for _, _, d in items).isoformat()
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(title)}</title>
<link href="{escape(link)}"/><id>{escape(link)}</id><updated>{updated}</updated>
{entries}
</feed>
"""


def json_feed(title: str, link: str, items: list[tuple[str, str, datetime]]) -> str:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "home_page_url": link,
            "items": [
                {"id": u, "url": u, "title": t, "date_published": d.isoformat()}
                for t, u, d in items
            ],
        },
        indent=1,
    )


def news_sitemap(publication: str, items: list[tuple[str, str, datetime]]) -> str:
    urls = "\n".join(
        f"<url><loc>{escape(u)}</loc><news:news><news:publication>"
        f"<news:name>{escape(publication)}</news:name><news:language>en</news:language>"
        f"</news:publication><news:publication_date>{d.isoformat()}</news:publication_date>"
        f"<news:title>{escape(t)}</news:title></news:news></url>"
        for t, u, d in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}
</urlset>
"""


def url_sitemap(items: list[tuple[str, datetime]]) -> str:
    urls = "\n".join(
        f"<url><loc>{escape(u)}</loc><lastmod>{d.date().isoformat()}</lastmod></url>"
        for u, d in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}
</urlset>
"""


def sitemap_index(items: list[tuple[str, datetime]]) -> str:
    maps = "\n".join(
        f"<sitemap><loc>{escape(u)}</loc><lastmod>{d.isoformat()}</lastmod></sitemap>"
        for u, d in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{maps}
</sitemapindex>
"""

"""inkl (inkl.com): an aggregator that re-publishes articles from many publishers.

On an inkl page the publisher is the original one (shown by name and logo above the
headline), ``source`` is ``inkl``, and the page may link the original article, which the
spiders follow. The body is followed by a sign-up wall, "Related Stories", "Our Picks" and
an app promo, none of which is article text.
"""

from __future__ import annotations

from newscrawl.sites.base import SiteDefinition

SITE = SiteDefinition(
    name="inkl",
    domains=("inkl.com",),
    site_names=("inkl",),
    source="inkl",
    is_aggregator=True,
    headline="article h1, h1.article-title, h1",
    publisher=(
        "[class*='publisher-name'], [class*='publisher__name'], [data-publisher-name], "
        "[itemprop='sourceOrganization'] [itemprop='name'], a[href*='/publishers/'][title]"
    ),
    section=(
        "[class*='article-section'], [class*='article__section'], [class*='section-name'], "
        "[class~='category']"
    ),
    byline=(
        "[class*='article-author'] [class*='name'], [class*='article-author'], "
        "[class*='article__author'], [rel='author'], [itemprop='author'] [itemprop='name']"
    ),
    date="article time[datetime], [class*='article-meta'] time, time",
    body=(
        "[class*='article-body'], [class*='article__body'], [class*='article-content'], "
        "[itemprop='articleBody']"
    ),
    body_blocks="p, h2, h3, h4, blockquote, li",
    remove=(
        "[class*='paywall']",
        "[class*='signup']",
        "[class*='sign-up']",
        "[class*='related']",
        "[class*='our-picks']",
        "[class*='app-promo']",
        "[class*='promo']",
        "header",
        "footer",
    ),
    figure="figure",
    caption="figcaption",
    lead_figure="[class*='lead'] figure, figure[class*='lead'], figure[class*='hero']",
    original_link=(
        "a[class*='original'], a[data-original-url], a[rel~='original'], "
        "a[class*='read-on-publisher'], a[class*='publisher-link']"
    ),
    boilerplate=(
        r"^get all your news in one place",
        r"^100[’']?s of premium titles",
        r"^one app\.",
        r"^start reading$",
        r"^fourteen days free",
        r"^top stories on inkl",
        r"^one subscription that gives you access",
        r"^read news from 100[’']?s of titles",
        r"trusted global sources",
    ),
    body_stop=(r"^sign up to read this article", r"^related stories$", r"^our picks$"),
)

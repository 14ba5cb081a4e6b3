"""Article / listing / app-shell decisions on real publisher pages and counter-examples."""

from __future__ import annotations

from newscrawl.discover.pages import article_verdict, is_app_shell, jsonld_types, parse_html
from tests import funduskit


def test_real_publisher_pages_are_articles() -> None:
    pages = funduskit.pages()
    assert len(pages) == 160
    verdicts = {n: article_verdict(parse_html(funduskit.html(p))) for n, p in pages}
    missed = sorted(name for name, v in verdicts.items() if not v.is_article)
    # People's Daily (cn) has no JSON-LD, no og:type and no <h1> in its content block.
    assert missed == ["cn/People_2024_04_24.html.gz"]
    assert not any(is_app_shell(parse_html(funduskit.html(p))) for _n, p in pages[:40])


def test_listing_page_with_article_links_is_not_an_article() -> None:
    items = "".join(
        f'<li><h2><a href="/news/story-{i}">Headline number {i} about the war</a></h2>'
        f"<p>{'A teaser sentence for the story that goes on. ' * 2}</p></li>"
        for i in range(20)
    )
    html = f"<html><body><main><h1>World news</h1><ul>{items}</ul></main></body></html>"
    # The teasers are long enough to count as paragraphs; what makes it a listing is
    # that JSON-LD says so.
    tree = parse_html(
        html.replace(
            "<body>",
            '<head><script type="application/ld+json">{"@type": "CollectionPage"}</script>'
            "</head><body>",
        )
    )
    assert article_verdict(tree).is_article is False
    assert jsonld_types(tree) == {"CollectionPage"}


def test_listing_items_typed_newsarticle_do_not_make_an_article() -> None:
    data = '{"@type": "ItemList", "itemListElement": [{"@type": "NewsArticle", "url": "/a"}]}'
    tree = parse_html(f'<script type="application/ld+json">{data}</script><h1>Home</h1>')
    assert article_verdict(tree).is_article is False


def test_broken_json_ld_falls_back_to_og_type() -> None:
    tree = parse_html(
        '<script type="application/ld+json">{"@type": "NewsArticle",</script>'
        '<meta property="og:type" content="article">'
    )
    assert article_verdict(tree).reason == "og:type"


def test_app_shell_detection() -> None:
    shell = parse_html(
        '<html><head><title>Live</title></head><body><div id="app"></div>'
        "<noscript>Please enable JavaScript to read this article.</noscript>"
        '<script src="/static/app.js"></script></body></html>'
    )
    assert is_app_shell(shell)
    no_script = parse_html('<html><body><div id="app"></div></body></html>')
    assert not is_app_shell(no_script)

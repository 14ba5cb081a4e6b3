"""Pages that describe the article in schema.org microdata only (issue 16)."""

from __future__ import annotations

from newscrawl.extract import extract_article

PAGE = """<html><head><title>Site</title></head><body>
<div class="teaser" itemscope itemtype="https://schema.org/WebPage">
  <span itemprop="headline">A teaser's headline</span></div>
<article itemscope itemtype="https://schema.org/NewsArticle">
  <h2 itemprop="headline">Council passes the budget</h2>
  <meta itemprop="articleSection" content="Politics">
  <span itemprop="author">Jane Roe</span>
  <span itemprop="datePublished" content="2024-05-03T10:00:00+02:00">3 May</span>
  <div itemprop="articleBody"><p>{text}</p><p>{text}</p></div>
</article></body></html>"""


def test_microdata_gives_headline_section_author_and_date():
    text = "The council met on Tuesday evening to discuss the budget for next year. " * 5
    article = extract_article(PAGE.format(text=text), "https://example.com/a")
    assert article.headline == "Council passes the budget"
    assert article.section == "Politics"
    assert article.authors == ["Jane Roe"]
    assert article.published_at is not None
    assert article.published_at.isoformat() == "2024-05-03T10:00:00+02:00"

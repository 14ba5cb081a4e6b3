"""URL canonicalization: every variant of one page maps to one URL, distinct pages do not."""

from __future__ import annotations

import pytest

from newscrawl.dedupe.publisher import publisher_key
from newscrawl.dedupe.urls import canonicalize_url, choose_canonical_url, is_amp_url

PAGE = "https://www.example.com/news/storm-hits-coast-123"


@pytest.mark.parametrize(
    "variant",
    [
        PAGE,
        "HTTPS://WWW.EXAMPLE.COM/news/storm-hits-coast-123",
        "https://www.example.com:443/news/storm-hits-coast-123",
        "https://www.example.com/news/storm-hits-coast-123#comments",
        "https://www.example.com/news/storm-hits-coast-123?utm_source=tw&utm_medium=social",
        "https://www.example.com/news/storm-hits-coast-123?fbclid=IwAR0&gclid=abc",
        "https://www.example.com/news/storm-hits-coast-123?ocid=msnews&cmpid=rss",
        "https://www.example.com/news/storm-hits-coast-123?ito=1&smid=tw-share",
        "https://www.example.com/news/storm-hits-coast-123/amp",
        "https://www.example.com/amp/news/storm-hits-coast-123",
        "https://amp.example.com/news/storm-hits-coast-123",
        "https://www.example.com/news/storm-hits-coast-123?amp=1",
        "https://www.example.com/news/storm-hits-coast-123?outputType=amp",
        "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/storm-hits-coast-123",
    ],
)
def test_variants_share_one_canonical_url(variant: str) -> None:
    assert canonicalize_url(variant) == PAGE


@pytest.mark.parametrize(
    "other",
    [
        "https://www.example.com/news/storm-hits-coast-124",
        "https://www.example.com/news/storm-hits-coast-123?page=2",
        "http://www.example.com:8080/news/storm-hits-coast-123",
        "https://www.example.org/news/storm-hits-coast-123",
    ],
)
def test_distinct_pages_stay_distinct(other: str) -> None:
    assert canonicalize_url(other) != PAGE


def test_query_order_does_not_matter() -> None:
    assert canonicalize_url(PAGE + "?b=2&a=1") == canonicalize_url(PAGE + "?a=1&b=2")


def test_amp_detection() -> None:
    assert is_amp_url(PAGE + "/amp")
    assert is_amp_url(PAGE + "?outputType=amp")
    assert not is_amp_url(PAGE + "?outputType=json")
    assert not is_amp_url(PAGE)


def test_rel_canonical_is_used_on_the_same_site_only() -> None:
    assert choose_canonical_url(PAGE + "?x=1", "https://www.example.com/c/123") == (
        "https://www.example.com/c/123"
    )
    assert choose_canonical_url(PAGE, "https://aggregator.example.net/c/123") == PAGE
    assert choose_canonical_url(PAGE, "https://www.example.com/") == PAGE
    assert choose_canonical_url(PAGE, "javascript:void(0)") == PAGE


def test_publisher_spellings_compare_equal() -> None:
    assert publisher_key("The Independent UK") == publisher_key("The Independent")
    assert publisher_key("Independent.co.uk") == publisher_key("the independent")
    assert publisher_key("The Guardian") != publisher_key("The Independent")
    assert publisher_key(None) == publisher_key("  ") == ""

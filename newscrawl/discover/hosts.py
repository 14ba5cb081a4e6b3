"""Hosts and domains: the one rule for "this host is on that domain".

A host is on a domain when it is the domain or one of its sub-domains, compared without case,
port or trailing dot: what Scrapy's ``OffsiteMiddleware`` allows for ``allowed_domains``.
Scrapy's ``url_is_from_any_domain`` is not used because it compares the network location, port
included, so a site served on a port (the loopback newsroom, a staging host) would never match.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit


def host_of(url: str | None) -> str:
    """The host a page is fetched from, lower-case, without port (what Scrapy's download
    slots see); empty when there is none or the URL is malformed.

    >>> host_of("https://WWW.News.Example:8443/a")
    'www.news.example'
    >>> host_of("http://[::1/broken"), host_of(None)
    ('', '')
    """
    try:
        return urlsplit(url or "").hostname or ""
    except ValueError:
        return ""


def on_domain(host: str, domain: str) -> bool:
    """``host`` is ``domain`` or a sub-domain of it.

    >>> on_domain("www.News.example.", "news.example"), on_domain("news.example", "NEWS.example")
    (True, True)
    >>> on_domain("badnews.example", "news.example"), on_domain("news.example", "")
    (False, False)
    """
    host, domain = host.lower().rstrip("."), domain.lower().strip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def domains_of(urls: Iterable[str]) -> list[str]:
    """The domains a crawl of ``urls`` stays on when none are given: their hosts, ``www.``
    dropped so that the site's other sub-domains count too.

    >>> domains_of(["https://www.bbc.co.uk/news", "https://feeds.bbci.co.uk/news/rss.xml"])
    ['bbc.co.uk', 'feeds.bbci.co.uk']
    """
    return sorted({host_of(url).removeprefix("www.") for url in urls})

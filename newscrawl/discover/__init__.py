"""Discovery: what a fetched URL is and where its articles are.

Pure, typed functions used by the spiders (which are thin Scrapy glue):

- :mod:`.kinds` — is a response a feed, a sitemap or an HTML page?
- :mod:`.feeds` — RSS/Atom (feedparser) and JSON Feed entries;
- :mod:`.sitemaps` — sitemaps, sitemap indexes, Google News sitemaps, gzip, ``lastmod``;
- :mod:`.links` — which links of a home/section page to follow, within the allowed domains;
- :mod:`.hosts` — a URL's host, and whether it is on a domain (the one rule for it);
- :mod:`.pages` — is this HTML page an article (JSON-LD, og:type, structure), or an empty app
  shell that needs a browser?
- :mod:`.frontier` — found article pages held back per host until their host has room;
- :mod:`.incremental` — which URLs were seen recently enough not to be fetched again.

The request filter used while a browser renders a page is Scrapy glue:
``newscrawl.engine.browser_hooks``.
"""

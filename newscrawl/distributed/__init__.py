"""Distributed crawling on scrapy-redis: many worker processes, one Redis, one Postgres.

scrapy-redis provides the shared request queue (a sorted set), the shared duplicate
filter (a set of request fingerprints) and the start-URL list. This package adds what
it lacks for unattended clusters:

- ``keys``: every Redis key of one crawl derived from a single prefix;
- ``leases``: requests popped by a worker are *leased*, not lost — a worker killed
  with SIGKILL has its in-flight requests pushed back by a surviving worker;
- ``scheduler``: the scrapy-redis scheduler with leases, heartbeats and an idle-close
  rule that looks at the whole cluster, not one process;
- ``spider``: a mixin that reads start URLs (seeds) from Redis;
- ``seeding``: pushing seeds, used by ``newscrawl seed``.

``spiders/news_distributed.py`` combines them with the news spider.
"""

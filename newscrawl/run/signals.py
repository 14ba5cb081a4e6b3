"""Signals newscrawl's components send each other through Scrapy's signal manager.

Plain objects, as Scrapy's own signals are; defined here so that senders and receivers on
either side of the glue line import them without importing each other.
"""

from __future__ import annotations

#: Sent by the store pipeline with ``items=[Article, ...]`` once those items are safe from a
#: crash of this process: committed to the database (stored or rejected for good) or written
#: and fsync'ed to the spool. Items waiting in memory are not durable.
items_durable = object()

"""Scrapy extensions of the project (thin glue; the logic lives in ``newscrawl``)."""

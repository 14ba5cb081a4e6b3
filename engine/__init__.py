"""Scrapy core components newscrawl replaces (installed as ``newscrawl.engine``).

The schedulers (host pauses; leases for distributed workers), the browser download handler and
its Playwright hooks, the SSRF-checking DNS resolver and a distributed worker's settings.
"""

"""Web archives in and out: WARC files read into the crawl's page flow, and crawls kept as WARC.

:mod:`newscrawl.archive.read` finds the HTML response records of a WARC file (FastWARC) and
reads one back by its offset; :mod:`newscrawl.archive.importing` turns one into a
:class:`~newscrawl.process.PageOutcome` (in an extraction worker); :mod:`newscrawl.archive.listing`
reads CC-NEWS ``warc.paths`` listings and fetches their files; :mod:`newscrawl.archive.write`
writes what a crawl fetched as rotating gzip'ed WARC files (warcio).
"""

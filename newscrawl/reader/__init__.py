"""The reader: ``newscrawl serve``, a read-only web view and JSON API over the database.

``queries`` reads pages' data (SQLAlchemy Core, both databases), ``app`` is the Starlette
application (routes, security headers, templates), ``server`` runs it under uvicorn.
Article text is untrusted: templates escape everything, the Content-Security-Policy allows
no script at all, and links and images are only ever ``http(s)`` URLs (docs/reader.md).
"""

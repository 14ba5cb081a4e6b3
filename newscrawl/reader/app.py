"""The reader's Starlette application: pages, the JSON API, and the headers that keep a
hostile article harmless.

Read-only: every route is GET (Starlette answers anything else with 405) and the engine it
is given reads only (an SQLite file opened ``mode=ro``, Postgres sessions in read-only
transactions: :func:`newscrawl.reader.server.read_only_engine`). Article text is untrusted
input: Jinja2 escapes every value, the Content-Security-Policy allows no script, no inline
style, no frame and no form target but this server, images only from http(s) URLs, and
every link and image leaves no referrer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newscrawl.article import Article
from newscrawl.dedupe.publisher import publisher_key
from newscrawl.discover.hosts import host_of
from newscrawl.reader import queries
from newscrawl.store.changes import Cursor, CursorError
from newscrawl.store.search import MAX_LIMIT, Filters, Hit, SearchError, plain_snippet
from newscrawl.store.search import snippet_parts as split_snippet

#: No script at all; styles and forms only from this server; pictures from anywhere on
#: http(s) (the publishers' own image servers), never ``data:`` or ``javascript:``.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src http: https:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
PER_PAGE = 20


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response (pages, API, static files, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in SECURITY_HEADERS}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def http_url(value: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL (safe as a link or an image), else None.

    >>> http_url("https://example.com/a.jpg"), http_url("javascript:alert(1)")
    ('https://example.com/a.jpg', None)
    >>> http_url(" data:image/png;base64,xx"), http_url("//evil.example/x")
    (None, None)
    """
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return value.strip()
    return None


def when(value: datetime | None) -> str:
    """``2026-03-01 12:00 UTC``; empty for None."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else ""


def paragraphs(body: str | None) -> list[str]:
    return [p.strip() for p in (body or "").split("\n\n") if p.strip()]


def templates() -> Environment:
    environment = Environment(
        loader=PackageLoader("newscrawl.reader", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        http_url=http_url, when=when, paragraphs=paragraphs, host=host_of,
        snippet_parts=split_snippet, publisher_key=publisher_key,
    )  # fmt: skip
    return environment


def _int(request: Request, name: str, default: int | None = None) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise HTTPException(400, f"{name} must be a whole number, not {value[:40]!r}") from None
    if number < 0:
        raise HTTPException(400, f"{name} must not be negative")
    return number


def _time(request: Request, name: str, end_of_day: bool = False) -> datetime | None:
    value = (request.query_params.get(name) or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"{name}: not an ISO 8601 date or time: {value[:40]!r}") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment + timedelta(days=1) if end_of_day and len(value) == 10 else moment


def _filters(request: Request) -> Filters:
    params = request.query_params
    return Filters(
        publisher=params.get("publisher") or None,
        agency=params.get("agency") or None,
        since=_time(request, "since"),
        until=_time(request, "until", end_of_day=True),
        language=params.get("language") or None,
    )


def _hit_json(article: Article, hit: Hit) -> dict[str, Any]:
    return {
        **article.to_dict(),
        "score": round(hit.score, 6),
        "snippet": plain_snippet(hit.snippet),
    }


class Reader:
    """The routes, bound to one read-only engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.environment = templates()

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.environment.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status)

    def latest(self, request: Request) -> Response:
        with self.engine.connect() as connection:
            found = queries.latest_stories(connection, _int(request, "before"))
        return self.page("latest.html", title="Latest stories", page=found)

    def article(self, request: Request) -> Response:
        with self.engine.connect() as connection:
            found = queries.article_page(connection, request.path_params["article_id"])
        if found is None:
            raise HTTPException(404, "no such article")
        return self.page("article.html", title=found.article.headline or "Article", page=found)

    def _search(self, request: Request) -> tuple[str, Filters, int, list[tuple[Article, Hit]]]:
        query = request.query_params.get("q", "")
        filters = _filters(request)
        offset = _int(request, "offset", 0) or 0
        limit = min(_int(request, "limit", PER_PAGE) or PER_PAGE, MAX_LIMIT)
        if not query.strip():
            return query, filters, offset, []
        with self.engine.connect() as connection:
            try:
                found = queries.search_articles(connection, query, filters, limit, offset)
            except SearchError as error:
                raise HTTPException(400, str(error)) from None
        return query, filters, offset, found

    def search(self, request: Request) -> Response:
        query, filters, offset, found = self._search(request)
        params = {k: v for k, v in request.query_params.items() if k != "offset" and v}
        more = None
        if len(found) == PER_PAGE:
            more = "/search?" + urlencode({**params, "offset": offset + PER_PAGE})
        return self.page("search.html", title=f"Search: {query}" if query else "Search",
                         query=query, filters=filters, found=found, more=more,
                         params=request.query_params)  # fmt: skip

    def publishers(self, request: Request) -> Response:
        with self.engine.connect() as connection:
            rows = queries.publishers(connection)
        return self.page("publishers.html", title="Publishers", rows=rows)

    def publisher(self, request: Request) -> Response:
        """``/publisher/KEY``; a key in another case, a display name or an alias redirects to
        the page of the key its articles are stored under."""
        asked = request.path_params["key"]
        before = _int(request, "before")
        with self.engine.connect() as connection:
            key = queries.publisher_key_for(connection, asked)
            if key is None:
                raise HTTPException(404, "no articles of this publisher")
            if key != asked:
                query = f"?{request.url.query}" if request.url.query else ""
                return RedirectResponse(f"/publisher/{quote(key, safe='')}{query}", 302)
            found = queries.publisher_page(connection, key, before)
        return self.page("publisher.html", title=found.name or found.key, page=found)

    def runs(self, request: Request) -> Response:
        with self.engine.connect() as connection:
            rows = queries.crawl_run_rows(connection)
        return self.page("runs.html", title="Crawl runs", runs=rows)

    def api_search(self, request: Request) -> Response:
        query, _, offset, found = self._search(request)
        if not query.strip():
            raise HTTPException(400, "q: give words to search for")
        return JSONResponse(
            {"query": query, "offset": offset, "results": [_hit_json(a, h) for a, h in found]}
        )

    def api_articles(self, request: Request) -> Response:
        text = request.query_params.get("cursor", "").strip()
        limit = min(_int(request, "limit", queries.FEED_LIMIT) or 1, 1000)
        with self.engine.connect() as connection:
            try:
                after = Cursor.parse(text) if text else None
                found = queries.feed(connection, after, limit)
            except CursorError as error:
                raise HTTPException(400, str(error)) from None
        return JSONResponse(
            {
                "articles": [a.to_dict() for a in found.articles],
                "cursor": str(found.cursor),
                "more": found.more,
                "waiting": found.waiting,
            }
        )

    def api_article(self, request: Request) -> Response:
        with self.engine.connect() as connection:
            found = queries.article_page(connection, request.path_params["article_id"])
        if found is None:
            raise HTTPException(404, "no such article")
        return JSONResponse(
            {
                **found.article.to_dict(),
                "story_id": str(found.story_id),
                "sightings": [
                    {"url": s.url, "source": s.source, "first_seen_at": s.first_seen_at.isoformat(),
                     "seen_at": s.seen_at.isoformat()}
                    for s in found.sightings
                ],
                "revisions": len(found.revisions),
                "same_story": [a.id for a in found.others],
            }
        )  # fmt: skip

    async def error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": detail}, status_code=status)
        return self.page("error.html", status=status, title=f"Error {status}", detail=detail)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (what the server listens on) is only reachable from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_app(engine: Engine, host: str = "127.0.0.1") -> Starlette:
    """The reader over ``engine`` (which must only read), for a server listening on ``host``.

    On a loopback address only requests naming a loopback host are answered, so a web page
    in the user's browser cannot reach the reader through a DNS name rebound to 127.0.0.1.
    """
    reader = Reader(engine)

    def get(path: str, endpoint: Callable[..., Any]) -> Route:
        return Route(path, endpoint, methods=["GET"])

    static = StaticFiles(directory=str(resources.files("newscrawl.reader") / "static"))
    middleware = [Middleware(SecurityHeaders)]
    if is_loopback(host):
        allowed = ["127.0.0.1", "localhost", "[::1]", host]
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed))
    return Starlette(
        routes=[
            get("/", reader.latest),
            get("/article/{article_id:int}", reader.article),
            get("/search", reader.search),
            get("/publishers", reader.publishers),
            get("/publisher/{key}", reader.publisher),
            get("/runs", reader.runs),
            get("/api/search", reader.api_search),
            get("/api/articles", reader.api_articles),
            get("/api/articles/{article_id:int}", reader.api_article),
            Mount("/static", app=static, name="static"),
        ],
        middleware=middleware,
        exception_handlers={HTTPException: reader.error, Exception: reader.error},
    )

"""Full-text search over the index of :mod:`newscrawl.store.fulltext`: ranked hits with a
snippet, narrowed by publisher, agency, time and language.

One query syntax on both databases, Postgres' ``websearch_to_tsquery``: words (all must
match), ``"a phrase"``, ``or`` between alternatives, ``-word`` to exclude. Postgres reads it
itself; for SQLite :func:`fts5_query` turns it into an FTS5 expression in which every word
is a quoted string, so no user input is ever FTS5 syntax (and none can be a syntax error).
Ranking: SQLite's ``bm25`` with headline hits worth most, Postgres' ``ts_rank_cd`` over a
vector weighted the same way. Snippets mark the matched words with :data:`MARK_OPEN` and
:data:`MARK_CLOSE` (control characters no article text keeps), for the caller to render.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, func, select

from newscrawl.normalize.agencies import lookup as agency_lookup
from newscrawl.publishers.names import name_key
from newscrawl.store.fulltext import FTS_COLUMNS, PG_CONFIGS, REGCONFIG, article_search, fts
from newscrawl.store.schema import article_credits, articles

MARK_OPEN, MARK_CLOSE = "\x02", "\x03"
#: SQLite bm25 weights, in the order of ``FTS_COLUMNS``.
BM25_WEIGHTS = {"headline": 10.0, "description": 4.0, "body": 1.0, "authors": 3.0,
                "credits": 2.0, "captions": 1.0}  # fmt: skip
#: Words of a snippet.
SNIPPET_WORDS = 24
MAX_LIMIT = 100
#: The newest matches that are ranked. A word found in most articles would otherwise have
#: every one of them scored (bm25 or ts_rank_cd over 100,000 rows: seconds); past this many
#: matches, the newest are ranked and older ones are not returned.
CANDIDATES = 1000
#: Postgres: the newest articles holding all the words of a query with a phrase, among
#: which the phrase is looked for (each is one read of a stored tsvector).
PHRASE_POOL = 5000
#: Postgres ts_headline options: the same marks and about the same length as SQLite's.
HEADLINE_OPTIONS = (
    f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
    'ShortWord=2, FragmentDelimiter=" … ", MaxFragments=2'
)

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORDLIKE = re.compile(r"\w")


class SearchError(ValueError):
    """A query that searches for nothing (empty, or only excluded words)."""


@dataclass(frozen=True, slots=True)
class Filters:
    """What narrows a search besides its words; None means any."""

    publisher: str | None = None
    agency: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked result: the article's id, its score (higher is better) and a snippet."""

    article_id: int
    score: float
    snippet: str


def _quoted(text: str) -> str:
    """An FTS5 string: tokenized by the index's tokenizer, never parsed as syntax."""
    return '"' + text.replace('"', '""') + '"'


def fts5_query(query: str) -> str:
    """The FTS5 expression for a web-search style query.

    >>> fts5_query('storm -wagner "Bakhmut retreat" or kyiv')
    '("storm" AND "Bakhmut retreat") NOT "wagner" OR ("kyiv")'
    >>> print(fts5_query('AND NOT ("x'))  # operators and quotes typed are words
    ("AND" AND "NOT" AND "(""x")
    >>> fts5_query("-only -excluded")
    Traceback (most recent call last):
    ...
    newscrawl.store.search.SearchError: nothing to search for in '-only -excluded'
    """
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    for match in _TOKEN.finditer(query):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None and word.lower() == "or":
            groups.append(([], []))
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            negated, word = "-", word[1:]
        text = phrase if phrase is not None else word
        if not text or not _WORDLIKE.search(text):
            continue
        groups[-1][1 if negated else 0].append(_quoted(text))
    alternatives = []
    for wanted, unwanted in groups:
        if not wanted:  # only exclusions: matches nothing by itself, as in websearch
            continue
        expression = "(" + " AND ".join(wanted) + ")"
        alternatives.append(" NOT ".join([expression, *unwanted]))
    if not alternatives:
        raise SearchError(f"nothing to search for in {query.strip()[:80]!r}")
    return " OR ".join(alternatives)


def _agency_name(value: str) -> str:
    """The canonical name for an agency as the user typed it (``AP`` → ``Associated Press``)."""
    known = agency_lookup(value)
    return known.name if known is not None else value.strip()


def _filtered(query: sa.Select[Any], filters: Filters) -> sa.Select[Any]:
    if filters.publisher:
        wanted = name_key(filters.publisher)
        query = query.where(articles.c.publisher_key == wanted)
    if filters.agency:
        credited = select(article_credits.c.article_id).where(
            article_credits.c.article_id == articles.c.id,
            # the stored name exactly (its statistics guide the plan; lower() has none)
            article_credits.c.agency == _agency_name(filters.agency),
        )
        query = query.where(credited.exists())
    when = func.coalesce(articles.c.published_at, articles.c.first_seen_at)
    if filters.since is not None:
        query = query.where(when >= filters.since)
    if filters.until is not None:
        query = query.where(when < filters.until)
    if filters.language:
        code = filters.language.strip().lower()
        language = func.lower(articles.c.language)
        query = query.where(sa.or_(language == code, language.like(code + "-%")))
    return query


def _sqlite_hits(
    connection: Connection, query: str, filters: Filters, limit: int, offset: int
) -> list[Hit]:
    expression = fts5_query(query)
    weights = [sa.literal(BM25_WEIGHTS[name]) for name in FTS_COLUMNS]
    score = func.bm25(sa.literal_column(fts.name), *weights)
    newest: sa.Select[Any] = select(fts.c.rowid.label("id"), score.label("score"))
    newest = newest.where(fts.c[fts.name].match(expression))
    if filters != Filters():  # the filters read articles; without any, no join at all
        newest = _filtered(newest.join(articles, articles.c.id == fts.c.rowid), filters)
    newest = newest.order_by(fts.c.rowid.desc()).limit(CANDIDATES)
    candidates = newest.subquery("candidates")
    ranked = select(candidates.c.id, candidates.c.score).order_by(
        candidates.c.score, candidates.c.id.desc()
    )
    rows = connection.execute(ranked.limit(limit).offset(offset)).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    snippet = func.snippet(
        sa.literal_column(fts.name), -1, MARK_OPEN, MARK_CLOSE, "…", SNIPPET_WORDS
    )
    cut = select(fts.c.rowid, snippet).where(
        fts.c[fts.name].match(expression), fts.c.rowid.in_(ids)
    )
    snippets = {row[0]: row[1] for row in connection.execute(cut)}
    return [Hit(row.id, -float(row.score), snippets.get(row.id) or "") for row in rows]


def configs_in_use(connection: Connection) -> list[str]:
    """The text-search configurations of stored articles (a loose index scan: one index
    probe per configuration, whatever the table size)."""
    used = (
        select(article_search.c.config)
        .order_by(article_search.c.config)
        .limit(1)
        .cte("used", recursive=True)
    )
    inner = sa.alias(article_search, "inner")
    following = (
        select(inner.c.config)
        .where(inner.c.config > used.c.config)
        .order_by(inner.c.config)
        .limit(1)
        .scalar_subquery()
    )
    used = used.union_all(select(following).where(used.c.config.is_not(None)))
    return [c for c in connection.scalars(select(used.c.config)) if c is not None]


def all_words(query: str) -> str:
    """The query with its phrases as plain words: what every match of it contains.

    >>> all_words('"north-east storm" or "storm -surge" -kent')
    ' north east storm  or  storm  surge  -kent'
    """
    return re.sub(r'"([^"]*)"?', lambda m: " " + m.group(1).replace("-", " ") + " ", query)


def _pg_match(query: str, configs: Sequence[str]) -> ColumnElement[bool]:
    """Each article matched in its own language's configuration: one GIN-indexable
    condition per configuration in use (the planner ORs their bitmaps)."""
    document, config = article_search.c.document, article_search.c.config
    parsed = {
        c: func.websearch_to_tsquery(sa.cast(sa.literal(c), REGCONFIG), query) for c in configs
    }
    return sa.or_(*(sa.and_(config == c, document.op("@@")(q)) for c, q in parsed.items()))


def _pg_hits(
    connection: Connection, query: str, filters: Filters, limit: int, offset: int
) -> list[Hit]:
    fts5_query(query)  # the same queries are refused on both databases
    configs = configs_in_use(connection)
    if filters.language:
        code = filters.language.strip().lower().split("-")[0]
        configs = [c for c in configs if c in (PG_CONFIGS.get(code), "simple")]
    if not configs:
        return []
    phrase = '"' in query
    # A phrase is checked against each document's positions (GIN knows only words): look
    # for it among the newest PHRASE_POOL articles holding all its words, not in every one.
    newest: sa.Select[Any] = select(
        article_search.c.article_id.label("id"),
        article_search.c.config,
        article_search.c.document,  # read once here, for the rank below
    ).where(_pg_match(all_words(query) if phrase else query, configs))
    if filters != Filters():  # the filters read articles; without any, no join at all
        newest = newest.join(articles, articles.c.id == article_search.c.article_id)
        newest = _filtered(newest, filters)
    newest = newest.order_by(article_search.c.article_id.desc())
    if phrase:
        pool = newest.limit(PHRASE_POOL).subquery("pool")
        parsed_here = func.websearch_to_tsquery(sa.cast(pool.c.config, REGCONFIG), query)
        newest = (
            select(pool.c.id, pool.c.config, pool.c.document)
            .where(pool.c.document.op("@@")(parsed_here))
            .order_by(pool.c.id.desc())
        )
    candidates = newest.limit(CANDIDATES).subquery("candidates")
    parsed = func.websearch_to_tsquery(sa.cast(candidates.c.config, REGCONFIG), query)
    score = func.ts_rank_cd(candidates.c.document, parsed)
    ranked = select(candidates.c.id, score.label("score")).order_by(
        score.desc(), candidates.c.id.desc()
    )
    rows = connection.execute(ranked.limit(limit).offset(offset)).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    config = sa.cast(article_search.c.config, REGCONFIG)
    text = func.concat_ws(" … ", articles.c.headline, articles.c.description, articles.c.body)
    headline = func.ts_headline(
        config, text, func.websearch_to_tsquery(config, query), HEADLINE_OPTIONS
    )
    cut = (
        select(articles.c.id, headline)
        .join(article_search, article_search.c.article_id == articles.c.id)
        .where(articles.c.id.in_(ids))
    )
    snippets = {row[0]: row[1] for row in connection.execute(cut)}
    return [Hit(row.id, float(row.score), snippets.get(row.id) or "") for row in rows]


def search(
    connection: Connection,
    query: str,
    filters: Filters = Filters(),
    *,
    limit: int = 20,
    offset: int = 0,
) -> list[Hit]:
    """The best ``limit`` articles matching ``query`` after ``offset``, best first.

    Raises :class:`SearchError` for a query that searches for nothing.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    if connection.dialect.name == "sqlite":
        return _sqlite_hits(connection, query, filters, limit, offset)
    return _pg_hits(connection, query, filters, limit, offset)


def plain_snippet(snippet: str, open_mark: str = "[", close_mark: str = "]") -> str:
    """The snippet with its match marks replaced (``[word]`` by default), on one line.

    >>> plain_snippet("the \\x02storm\\x03 hit\\nthe coast")
    'the [storm] hit the coast'
    """
    marked = snippet.replace(MARK_OPEN, open_mark).replace(MARK_CLOSE, close_mark)
    return " ".join(marked.split())


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """The snippet as ``(text, matched)`` pieces, for a template to escape and mark up.

    >>> snippet_parts("a \\x02b\\x03 c")
    [('a ', False), ('b', True), (' c', False)]
    """
    parts: list[tuple[str, bool]] = []
    for i, piece in enumerate(re.split(f"[{MARK_OPEN}{MARK_CLOSE}]", snippet)):
        if piece:
            parts.append((piece, i % 2 == 1))
    return parts

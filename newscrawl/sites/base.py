"""The shape of a per-site definition: declarative selectors, no code per site.

A definition is used only where the generic extraction path fails. Selectors are CSS
(compiled once to XPath); every field is optional and only overrides the generic value when
it matches something on the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cssselect import GenericTranslator, SelectorError
from lxml.etree import XPath

from newscrawl.discover.hosts import on_domain

_TRANSLATOR = GenericTranslator()

#: Where a page's headline can come from (the origins of
#: :func:`newscrawl.extract.fields.headline_candidates`): what ``headline_from`` may name.
HEADLINE_SOURCES = frozenset(
    {
        "jsonld", "microdata", "og:title", "twitter:title", "parsely-title", "sailthru.title",
        "dc.title", "h1", "title",
    }
)  # fmt: skip


@lru_cache(maxsize=512)
def compile_css(css: str) -> XPath:
    """CSS selector -> compiled XPath (cached: each selector is translated once).

    >>> compile_css("h1").path
    'descendant-or-self::h1'
    """
    try:
        return XPath(_TRANSLATOR.css_to_xpath(css))
    except SelectorError as err:
        raise ValueError(f"bad CSS selector {css!r}: {err}") from err


def css_to_xpath(css: str) -> str:
    """The XPath text of a CSS selector (for APIs that take XPath strings, e.g. trafilatura)."""
    return _TRANSLATOR.css_to_xpath(css, prefix="//")


def compile_patterns(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """Alternation of regexes, case-insensitive; ``None`` when there are none."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SiteDefinition:
    """One site's quirks. ``domains`` are host suffixes; ``site_names`` match og:site_name.

    Text selectors (``headline``, ``publisher``, ``section``, ``byline``, ``date``) take the
    first matching element's text (``date`` prefers a ``datetime``/``content`` attribute);
    ``byline`` keeps every match. ``body`` names the container(s) whose ``body_blocks`` are
    the article text; without it trafilatura runs with ``remove`` pruned. ``figure`` and
    ``caption`` locate the pictures. ``original_link`` finds the link to the
    original article on an aggregator copy. ``boilerplate`` drops matching paragraphs and
    ``body_stop`` ends the body at the first paragraph matching it. ``headline_from`` names the
    headline source (one of :data:`HEADLINE_SOURCES`) the publisher's own convention puts the
    shown headline in, where the generic order picks another; ``headline`` still wins when it
    matches.
    """

    name: str
    domains: tuple[str, ...] = ()
    site_names: tuple[str, ...] = ()
    source: str | None = None
    is_aggregator: bool = False
    headline: str | None = None
    headline_from: str | None = None
    publisher: str | None = None
    section: str | None = None
    byline: str | None = None
    date: str | None = None
    body: str | None = None
    body_blocks: str = "p, h2, h3, h4, blockquote, li"
    remove: tuple[str, ...] = ()
    figure: str = "figure"
    caption: str = "figcaption"
    lead_figure: str | None = None
    original_link: str | None = None
    boilerplate: tuple[str, ...] = ()
    body_stop: tuple[str, ...] = ()

    def matches_host(self, host: str) -> bool:
        """True when ``host`` is one of the domains or a subdomain of one."""
        return any(on_domain(host, d) for d in self.domains)

"""Assemble an Article from one parsed page: metadata, body, images, site rules."""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml.html import HtmlElement

from newscrawl.article import Article, Image
from newscrawl.extract import fields
from newscrawl.extract import jsonld as ld_mod
from newscrawl.extract.body import (
    articlebody_paragraphs,
    clean_paragraphs,
    join_paragraphs,
    prefer_articlebody,
    trafilatura_paragraphs,
)
from newscrawl.extract.captions import not_teasers, split_figcaption
from newscrawl.extract.dates import parse_date
from newscrawl.extract.document import Document, parse_document, text_of
from newscrawl.extract.galleries import json_gallery_images
from newscrawl.extract.images import figure_images, merge_images
from newscrawl.extract.jsonld import JsonLd, read_jsonld
from newscrawl.extract.meta import MetaTable, canonical_link, first, meta_table
from newscrawl.normalize.byline import parse_bylines
from newscrawl.normalize.headline import (
    h1_with_tail,
    host_names,
    site_name_keys,
    strip_site_name,
)
from newscrawl.normalize.renditions import same_picture
from newscrawl.sites import SiteDefinition, site_for
from newscrawl.sites.base import compile_css, compile_patterns, css_to_xpath


def extract_article(
    html: str | bytes, url: str, *, source: str | None = None, fast: bool = False
) -> Article:
    """Extract an Article (not yet normalized) from one page.

    ``source`` names the site crawled (e.g. ``inkl``); a site definition may set it.
    ``fast`` trades a little body recall for speed (see :func:`trafilatura_paragraphs`).
    Raises :class:`~newscrawl.extract.document.UnparsablePage` when there is no HTML page.
    """
    return extract_document(parse_document(html, url), source=source, fast=fast)


def extract_document(doc: Document, *, source: str | None = None, fast: bool = False) -> Article:
    """Extract an Article from an already parsed page (see :func:`extract_article`)."""
    url = doc.url
    meta = meta_table(doc)
    ld = read_jsonld(doc)
    names = fields.site_names(meta, ld)
    site = site_for(url, names)

    article = Article(url=url, source=source or (site.source if site else None))
    article.canonical_url = canonical_link(doc)
    article.hints["site_names"] = names
    article.hints["site"] = site.name if site else None
    host = urlsplit(article.canonical_url or url).hostname or ""

    article.headline = _headline(doc, meta, ld, names, host, site.headline_from if site else None)
    article.description = fields.description(meta, ld)
    article.section = fields.section(meta, ld, doc)
    article.tags = fields.tags(meta, ld)
    article.language = fields.language(doc, meta, ld)
    article.published_at = fields.published_date(doc, meta, ld)
    article.modified_at = fields.modified_date(meta, ld)
    article.publisher = _publisher(meta, ld, names)
    _authors(article, doc, meta, ld, host)
    article.hints["copyright"] = fields.copyright_lines(meta, ld)
    original = _original_url(doc, ld)
    if original:
        article.hints["original_url"] = original

    if site is not None:
        _apply_site_fields(article, doc, site)
        if site.is_aggregator:
            article.hints["aggregator"] = site.name

    scope = _article_scope(doc)
    article.images = _images(doc, meta, ld, site, scope)
    article.body = _body(doc, article, site, ld, fast=fast)
    return article


def _headline(
    doc: Document,
    meta: MetaTable,
    ld: JsonLd,
    names: list[str],
    host: str,
    prefer: str | None = None,
) -> str | None:
    """The headline, best candidate first; ``prefer`` is the source the publisher's own
    convention puts the shown headline in (its catalogue file's ``headline_from``)."""
    keys = site_name_keys([*names, *host_names(host)])
    found = fields.headline_candidates(doc, meta, ld)
    candidates = [strip_site_name(text, keys) or text for _origin, text in found]
    doc.cache["headline_candidates"] = candidates
    preferred = next((c for (o, _t), c in zip(found, candidates, strict=True) if o == prefer), None)
    if preferred:
        return preferred
    joins = fields.kicker_title_joins(doc)
    whole = next((c for c in candidates if c in joins), None)
    if whole:
        return whole  # the publisher declares the shown kicker + title heading as its title
    chosen = next((c for c in candidates if c), None)
    h1 = next((text for origin, text in found if origin == "h1"), None)
    if chosen and h1 and h1_with_tail(chosen, h1):
        return h1  # "Headline - Section - Site" around the printed headline: the headline
    return chosen


def _publisher(meta: MetaTable, ld: JsonLd, names: list[str]) -> str | None:
    if ld.article is not None:
        orgs = ld_mod.organisation_names(ld.nodes, ld.article.get("publisher"))
        if orgs:
            return orgs[0]
    return first(meta, "og:site_name", "application-name") or (names[0] if names else None)


def _authors(article: Article, doc: Document, meta: MetaTable, ld: JsonLd, host: str) -> None:
    """Byline people, best source first. Values that name the site, or in which byline parsing
    finds no person ("Ilanga D", a lone "Heryadi"), yield to a byline in the markup."""
    people, orgs = fields.jsonld_people(ld)
    people = [p for p in people if fields.plausible_name(p)]
    meta_names = fields.meta_bylines(meta)
    names = article.hints.get("site_names", [])
    chosen = people or meta_names
    scope = _article_scope(doc)
    bold = fields.bold_bylines(scope)
    markup: list[str] = []

    def real(values: list[str]) -> list[str]:
        return [v for v in values if not fields.is_site_like(v, names, host) and _has_person(v)]

    if not real(chosen):
        markup = fields.markup_bylines(doc, scope)
        found = real(markup) or real(fields.header_bylines(scope)) or bold
        if found:
            orgs.extend(c for c in chosen if c not in orgs and fields.is_site_like(c, names, host))
            markup = list(dict.fromkeys([*markup, *found]))
            chosen = found
        elif not chosen:
            chosen = markup
    if chosen and chosen == people:
        header = fields.header_bylines(scope)
        if _names_more_people(header, people):
            markup = list(dict.fromkeys([*markup, *header]))
            chosen = header
    article.authors = list(chosen)
    article.hints["authors_from"] = (
        "jsonld" if chosen and chosen == people else "meta" if chosen == meta_names else "markup"
    )
    bylines: list[str] = []
    for value in (*people, *meta_names, *markup, *bold):
        if value not in bylines:
            bylines.append(value)
    article.hints["bylines"] = bylines
    article.hints["credit_organisations"] = orgs


def _names_more_people(markup: list[str], structured: list[str]) -> bool:
    """Whether the header's bylines name every person of the structured data and more
    (JSON-LD that lists only the first of several writers)."""
    if not markup:
        return False
    theirs = {a.casefold() for a in parse_bylines(structured).authors}
    ours = {a.casefold() for a in parse_bylines(markup).authors}
    return bool(theirs) and theirs < ours


def _has_person(byline: str) -> bool:
    """Whether byline parsing finds a person's name in ``byline``, or it names an agency."""
    parsed = parse_bylines([byline])
    return bool(parsed.authors or parsed.agencies)


def _original_url(doc: Document, ld: JsonLd) -> str | None:
    if ld.article is None:
        return None
    for key in ("isBasedOn", "isBasedOnUrl"):
        urls = ld_mod.image_urls(ld.article.get(key))
        if urls:
            return doc.absolute(urls[0])
    return None


def _first_text(doc: Document, css: str | None) -> str | None:
    if not css:
        return None
    for element in compile_css(css)(doc.tree):
        text = text_of(element)
        if text:
            return text
    return None


def _apply_site_fields(article: Article, doc: Document, site: SiteDefinition) -> None:
    """Site selectors override generic values where they match."""
    article.headline = _first_text(doc, site.headline) or article.headline
    publisher = _first_text(doc, site.publisher)
    if publisher:
        article.publisher = publisher
    article.section = _first_text(doc, site.section) or article.section
    if site.byline and article.hints.get("authors_from") != "jsonld":
        # a JSON-LD author list is already one entry per person: the markup cannot beat it
        found: list[str] = []
        for element in compile_css(site.byline)(doc.tree):
            text = text_of(element)
            if text and text not in found and not any(text in f for f in found):
                found.append(text)
        if found:
            article.authors = found
            article.hints["bylines"] = found + [
                b for b in article.hints.get("bylines", []) if b not in found
            ]
    if site.date:
        for element in compile_css(site.date)(doc.tree):
            parsed = parse_date(
                element.get("datetime") or element.get("content") or text_of(element)
            )
            if parsed:
                article.published_at = article.published_at or parsed
                break
    if site.original_link:
        for element in compile_css(site.original_link)(doc.tree):
            link = doc.absolute(element.get("data-original-url") or element.get("href"))
            if link:
                article.hints["original_url"] = link
                break


def _article_scope(doc: Document) -> HtmlElement:
    """The element holding the article: the smallest one around both the densest block of
    paragraphs and the ``<h1>`` (cached per page)."""
    cached = doc.cache.get("scope")
    if cached is not None:
        return cached
    scope = article_scope(doc.tree)
    doc.cache["scope"] = scope
    return scope


def article_scope(tree: HtmlElement) -> HtmlElement:
    """See :func:`_article_scope`; falls back to ``<body>``."""
    body = tree.find("body")
    fallback = body if body is not None else tree
    totals: dict[HtmlElement, int] = {}
    for paragraph in tree.iter("p"):
        parent = paragraph.getparent()
        if parent is not None:
            totals[parent] = totals.get(parent, 0) + len(paragraph.text_content())
    if not totals:
        return fallback
    densest = max(totals, key=totals.__getitem__)
    headings = [h for h in tree.iter("h1")]
    if headings:
        around_heading = set(headings[0].iterancestors())
        for candidate in (densest, *densest.iterancestors()):
            if candidate in around_heading or candidate is headings[0]:
                return fallback if candidate.tag == "html" else candidate
    ancestors = list(densest.iterancestors())
    lifted = ancestors[1] if len(ancestors) > 2 else densest
    return fallback if lifted.tag in ("html", "body") else lifted


def _meta_lead_image(doc: Document, meta: MetaTable, ld: JsonLd) -> Image | None:
    if ld.article is not None:
        value = ld_mod.resolve_refs(ld.nodes, ld.article.get("image"))
        for obj in ld_mod.image_objects(value):
            url = doc.absolute(
                ld_mod._as_text(obj.get("url")) or ld_mod._as_text(obj.get("contentUrl"))
            )
            if url:
                return Image(
                    url=url,
                    caption=ld_mod._as_text(obj.get("caption"))
                    or ld_mod._as_text(obj.get("description")),
                    credit=ld_mod._as_text(obj.get("creditText"))
                    or ld_mod._as_text(obj.get("copyrightHolder"))
                    or ld_mod._as_text(obj.get("author")),
                    width=_int(obj.get("width")),
                    height=_int(obj.get("height")),
                )
        urls = ld_mod.image_urls(value)
        if urls and (absolute := doc.absolute(urls[0])):
            return Image(url=absolute)
    url = doc.absolute(
        first(
            meta,
            "og:image",
            "og:image:url",
            "og:image:secure_url",
            "twitter:image",
            "twitter:image:src",
        )
    )
    if url:
        return Image(
            url=url,
            width=_int(first(meta, "og:image:width")),
            height=_int(first(meta, "og:image:height")),
        )
    return None


def _int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, dict):
        return _int(value.get("value"))
    return None


def _images(
    doc: Document, meta: MetaTable, ld: JsonLd, site: SiteDefinition | None, scope: HtmlElement
) -> list[Image]:
    lead = _meta_lead_image(doc, meta, ld)
    figure_xpath = ".//figure"
    caption_xpath = ".//figcaption"
    figures: list[Image] = []
    described: dict[int, str] = {}  # alt texts, the caption of last resort
    if site is not None:
        figure_xpath = compile_css(site.figure).path
        caption_xpath = compile_css(site.caption).path
        if site.lead_figure:
            for element in compile_css(site.lead_figure)(doc.tree)[:1]:
                figures.extend(
                    figure_images(
                        doc,
                        element,
                        figure_xpath="descendant-or-self::figure",
                        caption_xpath=caption_xpath,
                        descriptions=described,
                    )
                )
    figures.extend(
        figure_images(
            doc,
            scope,
            figure_xpath=figure_xpath,
            caption_xpath=caption_xpath,
            descriptions=described,
        )
    )
    figures.extend(json_gallery_images(doc, scope))  # after the markup's: they keep their place
    # A site's lead figure is the lead; metadata only adds to it when it shows the same picture.
    lead_figure = site is not None and site.lead_figure and figures
    if lead_figure and lead is not None and not same_picture(lead.url, figures[0].url):
        lead = None
    teasers = [fields.description(meta, ld), *doc.cache.get("headline_candidates", ())]
    return merge_images(lead, figures, not_teasers(described, teasers))


def _caption_texts(doc: Document, images: list[Image]) -> list[str]:
    """Every caption and credit on the page, to keep them out of the body."""
    out: list[str] = []
    for caption in doc.tree.iter("figcaption"):
        out.append(text_of(caption))
        text, credit = split_figcaption(caption)
        out.extend(x for x in (text, credit) if x)
    for image in images:
        out.extend(x for x in (image.caption, image.credit) if x)
    return out


def _body(
    doc: Document, article: Article, site: SiteDefinition | None, ld: JsonLd, *, fast: bool
) -> str | None:
    paragraphs: list[str] = []
    boilerplate = stop = None
    if site is not None:
        boilerplate = compile_patterns(site.boilerplate)
        stop = compile_patterns(site.body_stop)
        if site.body:
            containers = compile_css(site.body)(doc.tree)
            if containers:
                paragraphs = _site_blocks(containers, site)
        if not paragraphs:
            prune = [css_to_xpath(r) for r in site.remove]
            paragraphs = trafilatura_paragraphs(doc, prune, fast=fast)
    else:
        paragraphs = trafilatura_paragraphs(doc, fast=fast)
    if ld.article is not None:
        from_jsonld = articlebody_paragraphs(ld.article.get("articleBody"))
        if from_jsonld and prefer_articlebody(paragraphs, from_jsonld):
            paragraphs = from_jsonld
    standfirst = visible_standfirst(_article_scope(doc), article.description)
    if standfirst and paragraphs and standfirst[:60] not in " ".join(paragraphs[:3]):
        paragraphs = [standfirst, *paragraphs]
    cleaned = clean_paragraphs(
        paragraphs,
        captions=_caption_texts(doc, article.images),
        headline=[article.headline or "", *doc.cache.get("headline_candidates", ())],
        bylines=article.hints.get("bylines", ()),
        authors=_people(article),
        extra_boilerplate=boilerplate,
        stop=stop,
    )
    return join_paragraphs(cleaned)


def _people(article: Article) -> list[str]:
    """The people an article's bylines name, as printed and as parsed."""
    raw = [*article.authors, *article.hints.get("bylines", ())]
    return list(dict.fromkeys([*parse_bylines(raw).authors, *article.authors]))


_STANDFIRST_TAGS = ("p", "h2", "div", "span", "strong", "b", "section", "header", "summary")


def visible_standfirst(scope: HtmlElement, description: str | None) -> str | None:
    """The standfirst as printed in the article, when the meta description shows on the page.

    Publishers print the lead ("standfirst") above the body where main-content extractors
    often miss it; a meta description that also appears as an element's text is that lead.
    Only elements whose own text starts like the description are measured (cheap).
    """
    if not description or len(description) < 40:
        return None
    head = description[:30]
    for element in scope.iter(_STANDFIRST_TAGS):
        own = element.text
        if not own or not own.lstrip().startswith(head[:15]):
            continue
        text = text_of(element)
        if text.startswith(head) and len(text) <= 2 * len(description) + 60:
            if any(a.tag in ("figure", "figcaption", "a") for a in element.iterancestors()):
                continue
            return text
    return None


def _site_blocks(containers: list[HtmlElement], site: SiteDefinition) -> list[str]:
    """Blocks of the site's body containers, skipping figures, removed parts and nesting."""
    removed: set[HtmlElement] = set()
    for css in site.remove:
        for container in containers:
            removed.update(compile_css(css)(container))
    block_xpath = compile_css(site.body_blocks)
    out_elements: list[HtmlElement] = []
    taken: set[HtmlElement] = set()
    outer = containers[0]
    for element in block_xpath(outer):
        if any(
            a in taken or a in removed or a.tag in ("figure", "figcaption")
            for a in element.iterancestors()
        ):
            continue
        if element in removed:
            continue
        taken.add(element)
        out_elements.append(element)
    return [text for text in (text_of(e) for e in out_elements) if text]

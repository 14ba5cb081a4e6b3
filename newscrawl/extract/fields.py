"""Generic field extractors: each reads the shared tree/metadata and returns raw values.

Order of preference is structured data first (JSON-LD, then meta tags), visible markup last.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from htmldate import find_date
from lxml.etree import XPath
from lxml.html import HtmlElement

from newscrawl.extract import jsonld as ld_mod
from newscrawl.extract.dates import parse_date
from newscrawl.extract.document import Document, text_of
from newscrawl.extract.jsonld import JsonLd
from newscrawl.extract.meta import MetaTable, every, first, meta_authors, split_keywords
from newscrawl.extract.placement import in_article

_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_].*)?$")
_BYLINE_XPATH = (
    "//*[@rel='author' or contains(concat(' ', normalize-space(@rel), ' '), ' author ')]"
    " | //*[@itemprop='author']//*[@itemprop='name']"
    " | //*[@itemscope][contains(@itemtype, 'Article') or contains(@itemtype, 'Posting')]"
    "//*[@itemprop='author' and not(.//*[@itemprop='name']) and not(self::meta)"
    " and not(self::link)]"
)
_WITH_ATTRS = XPath("//body//*[@class or @itemprop or @data-testid]")
_BYLINE_CLASS = re.compile(r"author|byline|autor", re.IGNORECASE)
#: Author-ish classes that hold something else than the byline itself.
_NOT_BYLINE_CLASS = re.compile(
    r"(?:^|[-_ ])(img|image|avatar|photo|pic|bio|desc|description|about|social|follow|mail|"
    r"twitter|more|list-title|label|headline|teaser|box|card|comment|date|time)",
    re.IGNORECASE,
)
#: Strings that are not person names: slugs, ids, image credits, URLs.
_NOT_A_NAME = re.compile(
    r"^(\d+|\(?(image|photo|picture|foto|bild)s?\b.*|https?://.*|[\w.-]+@[\w.-]+)$",
    re.IGNORECASE,
)
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")
_MAX_BYLINE = 100
_DIGIT = re.compile(r"\d")
_PUBLISHED_META = (
    "article:published_time",
    "article:published",
    "og:published_time",
    "published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "dcterms.date",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "article.published",
    "cxenseparse:recs:publishtime",
    "release_date",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dcterms.modified",
    "last-modified",
    "article.updated",
)


def site_names(meta: MetaTable, ld: JsonLd) -> list[str]:
    """Every site name the page declares: og:site_name, JSON-LD publisher, application-name."""
    names = every(meta, "og:site_name", "application-name", "apple-mobile-web-app-title")
    if ld.article is not None:
        for name in ld_mod.organisation_names(ld.nodes, ld.article.get("publisher")):
            if name not in names:
                names.append(name)
    for node in ld.nodes:
        if ld_mod.types_of(node) & {"newsmediaorganization", "website"}:
            declared = node.get("name")
            if isinstance(declared, str) and declared.strip() and declared.strip() not in names:
                names.append(declared.strip())
    return names


def headline_candidates(doc: Document, meta: MetaTable, ld: JsonLd) -> list[tuple[str, str]]:
    """(origin, text) headline candidates, best first."""
    out: list[tuple[str, str]] = []
    value = ld.get_text("headline") if ld.article is not None else None
    if value:
        out.append(("jsonld", value))
    value = microdata_value(doc, "headline")
    if value:
        out.append(("microdata", value))
    for key in ("og:title", "twitter:title", "parsely-title", "sailthru.title", "dc.title"):
        value = first(meta, key)
        if value:
            out.append((key, value))
    for h1 in doc.tree.iter("h1"):
        text = text_of(h1)
        if text:
            out.append(("h1", text))
            break
    for title in doc.tree.iter("title"):
        text = text_of(title)
        if text:
            out.append(("title", text))
        break
    return out


#: How a declared title joins a kicker and a title ("Kicker: Title", "Kicker / Title").
_KICKER_JOINS = (": ", " / ", " | ", " – ", " - ")
#: Headings looked at for a kicker + title heading (the article's comes first; teasers follow).
_MAX_HEADINGS = 8


def kicker_title_joins(doc: Document) -> set[str]:
    """The texts a declared title has when it reproduces a shown heading made of exactly a
    kicker and a title (``<h2><span>Kicker</span><span>Title</span></h2>``, or the kicker in
    a span before the title's text): "Kicker: Title", "Kicker / Title"...

    >>> from newscrawl.extract.document import parse_document
    >>> page = "<h1><span>Streik</span> Busse stehen still</h1><p>x</p>"
    >>> sorted(kicker_title_joins(parse_document(page, "https://example.com/")))[:2]
    ['Streik - Busse stehen still', 'Streik / Busse stehen still']
    """
    joins: set[str] = set()
    for n, heading in enumerate(doc.tree.iter("h1", "h2")):
        if n >= _MAX_HEADINGS:
            break
        parts = [text_of(heading.text or "")]
        for child in heading:
            if isinstance(child.tag, str):
                parts.append(text_of(child))
            parts.append(text_of(child.tail or ""))
        parts = [p for p in parts if p]
        if len(parts) == 2:
            joins.update(parts[0] + sep + parts[1] for sep in _KICKER_JOINS)
    return joins


#: The article's microdata item (schema.org Article, NewsArticle, BlogPosting...).
_MICRODATA_ARTICLE = XPath(
    "//*[@itemscope][contains(@itemtype, 'Article') or contains(@itemtype, 'Posting')]"
)


def microdata_value(doc: Document, prop: str) -> str | None:
    """The first ``itemprop=prop`` value of the page's schema.org Article microdata item, for
    pages that describe the article that way instead of JSON-LD or meta tags."""
    items = doc.cache.get("microdata_article")
    if items is None:
        items = doc.cache["microdata_article"] = _MICRODATA_ARTICLE(doc.tree)[:1]
    for item in items:
        for element in item.iter():
            if prop in (element.get("itemprop") or "").split():
                value = element.get("content") or element.get("datetime") or text_of(element)
                if value:
                    return value.strip()
    return None


def jsonld_people(ld: JsonLd) -> tuple[list[str], list[str]]:
    """(people, organisations) named as the article's author/creator in JSON-LD."""
    if ld.article is None:
        return [], []
    people: list[str] = []
    orgs: list[str] = []
    for key in ("author", "creator"):
        value = ld_mod.resolve_refs(ld.nodes, ld.article.get(key))
        if value is None:
            continue
        p, o = ld_mod.people_and_organisations(value)
        people.extend(x for x in p if x not in people)
        orgs.extend(x for x in o if x not in orgs)
        if people:
            break
    for name in ld_mod.organisation_names(ld.nodes, ld.article.get("sourceOrganization")):
        if name not in orgs:
            orgs.append(name)
    return people, orgs


def plausible_name(value: str) -> bool:
    """False for slugs, numeric ids, image credits, URLs and e-mail addresses.

    >>> [plausible_name(v) for v in ("Chuck Ross", "chuck-ross", "105092", "(Image: Getty)")]
    [True, False, False, False]
    >>> plausible_name("MM-Redaktion")
    True
    """
    value = value.strip()
    return (
        bool(value)
        and len(value) <= _MAX_BYLINE
        and not _NOT_A_NAME.match(value)
        and not _SLUG.match(value)
    )


def markup_bylines(doc: Document, scope: HtmlElement | None = None) -> list[str]:
    """Byline strings from visible markup: rel=author / itemprop=author first, then the
    innermost elements whose class says author or byline (in the article when possible)."""
    out: list[str] = []
    for element in doc.tree.xpath(_BYLINE_XPATH):
        text = text_of(element)
        if plausible_name(text) and text not in out:
            out.append(text)
    if out:
        return out
    matched = [
        e
        for e in _WITH_ATTRS(doc.tree)
        if e.tag not in ("meta", "link", "script")
        and _BYLINE_CLASS.search(
            " ".join(filter(None, (e.get("class"), e.get("itemprop"), e.get("data-testid"))))
        )
    ]
    matched_set = set(matched)
    if scope is not None:  # in the article header when it has one: never a teaser's byline
        header = set(header_elements(scope))
        matched = [e for e in matched if e in header] or matched
    ranked = sorted(matched, key=lambda e: 0 if _inside(e, scope) else 1)
    chosen_class: str | None = None
    for element in ranked:
        classes = " ".join(
            filter(
                None, (element.get("class"), element.get("itemprop"), element.get("data-testid"))
            )
        )
        if chosen_class is not None and classes != chosen_class:
            continue
        if _NOT_BYLINE_CLASS.search(classes) or not in_article(element):
            continue
        if any(d in matched_set for d in element.iterdescendants()) and element.tag != "a":
            continue
        text = text_of(element)
        if not _looks_like_byline(text) or text in out:
            continue
        out.append(text)
        chosen_class = classes
    return out


#: Links to an author's page ("/autoren/name/max-kolter", "/author/jane-doe/").
_AUTHOR_LINK = XPath(
    ".//a[contains(@href, '/author') or contains(@href, '/autor') or contains(@href, '/auteur')"
    " or contains(@href, '/journalist') or contains(@href, '/redakteur')]"
)
#: A label printed before the byline ("Autorin/Autor", "Written by", "Auteur :").
_AUTHOR_LABEL = re.compile(
    r"^(?:(?:author|autor|auteur|autore|autora)(?:in|es|s|i|as|e)?(?:\s*/\s*\w+)?|written by|"
    r"text|texto|testo)\s*:?$",
    re.IGNORECASE,
)
_DATA_AUTHOR = re.compile(r"author(s|-name)?$")
_LABEL_TAGS = ("strong", "b", "dt", "th", "span", "em")
#: Stop looking for a header byline at the first paragraph this long: the body has begun.
_BODY_PARAGRAPH_CHARS = 200


def header_elements(scope: HtmlElement) -> list[HtmlElement]:
    """The elements of the article's header: after the headline (``<h1>``, when the scope holds
    one) and before the first long paragraph. Bylines printed there are the article's own;
    the same markup further down is a teaser's."""
    out: list[HtmlElement] = []
    started = next(scope.iter("h1"), None) is None
    for element in scope.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "h1":
            started = True
            continue
        if element.tag == "p" and len(element.text_content()) >= _BODY_PARAGRAPH_CHARS:
            break
        if started:
            out.append(element)
    return out


def header_bylines(scope: HtmlElement) -> list[str]:
    """Bylines that no class names: a link to an author's page in the article header, else
    the text after a label such as "Autorin/Autor" in the article (definition lists, fact
    boxes)."""
    header = header_elements(scope)
    inside = set(header)
    out: list[str] = []
    for link in _AUTHOR_LINK(scope):
        text = text_of(link)
        if link in inside and in_article(link) and _looks_like_byline(text) and text not in out:
            out.append(text)
    if out:
        return out
    for element in header:  # data-author-name="Jane Doe", data-authors="Von Jane Doe"
        for attribute, value in element.attrib.items():
            if attribute.startswith("data-") and _DATA_AUTHOR.search(attribute):
                text = text_of(value)
                if _looks_like_byline(text) and not _SLUG.match(text) and text not in out:
                    out.append(text)
    if out:
        return out
    for element in header:  # class="person", "c-person__name": only here, teasers have them too
        classes = element.get("class") or ""
        if "person" not in classes.lower() or _NOT_BYLINE_CLASS.search(classes):
            continue
        if any("person" in (d.get("class") or "").lower() for d in element.iterdescendants()):
            continue  # the innermost one holds the name
        text = text_of(element)
        if _looks_like_byline(text) and text not in out:
            out.append(text)
    if out:
        return out
    for element in scope.iter(_LABEL_TAGS):
        if _AUTHOR_LABEL.match(text_of(element)) and in_article(element):
            text = text_of(element.tail or "")
            following = element.getnext()
            if not text and following is not None:
                text = text_of(following)
            if _looks_like_byline(text) and text not in out:
                out.append(text)
    return out


_BOLD_TAGS = ("strong", "b")
_MAX_BOLD_BYLINE_WORDS = 8


def bold_bylines(scope: HtmlElement) -> list[str]:
    """Names printed as a paragraph of their own in bold, in the article header or as its last
    paragraph ("<p><strong>Jane Doe</strong></p>"): a byline small sites type into the body.

    Only returned when every part is a person's name (see
    :func:`newscrawl.normalize.byline.parse_bylines`), so a bold sub-heading is not one.
    """
    from newscrawl.normalize.byline import parse_bylines

    paragraphs = [p for p in scope.iter("p") if text_of(p)]
    if not paragraphs:
        return []
    header = set(header_elements(scope))
    candidates = [p for p in paragraphs if p in header]
    if paragraphs[-1] not in candidates:
        candidates.append(paragraphs[-1])
    out: list[str] = []
    for paragraph in candidates:
        text = text_of(paragraph)
        bold = "".join(text_of(b) for b in paragraph.iter(_BOLD_TAGS) if b.getparent() is paragraph)
        if bold.replace(" ", "") != text.replace(" ", ""):
            continue
        if text.count(" ") >= _MAX_BOLD_BYLINE_WORDS or not _looks_like_byline(text):
            continue
        parsed = parse_bylines([text])
        if parsed.authors and not parsed.rejected and not parsed.agencies:
            out.append(text)
    return out


def _inside(element: HtmlElement, scope: HtmlElement | None) -> bool:
    return scope is not None and any(a is scope for a in element.iterancestors())


def _looks_like_byline(text: str) -> bool:
    """A visible byline has no digits (dates, times) and is not one lower-case word."""
    if len(text) < 3 or not plausible_name(text) or _DIGIT.search(text):
        return False
    return not (" " not in text and text.isascii() and text.islower())


def meta_bylines(meta: MetaTable) -> list[str]:
    """Author strings from meta tags (slugs, ids and credits left out)."""
    return [name for name in meta_authors(meta) if plausible_name(name)]


def is_site_like(name: str, site_names: list[str], host: str) -> bool:
    """True when an "author" is really the site: its name, its domain, or its host word.

    >>> is_site_like("n-tv NACHRICHTEN", [], "www.n-tv.de")
    True
    >>> is_site_like("Lesotho Times", ["Lesotho Times"], "lestimes.co.ls")
    True
    >>> is_site_like("Jane Roe", ["Example"], "example.com")
    False
    """
    low = name.strip().lower()
    compact = re.sub(r"[^\w]", "", low)
    if any(low == n.strip().lower() for n in site_names if n):
        return True
    host = host.lower().removeprefix("www.")
    if not host:
        return False
    domain_word = re.sub(r"[^\w]", "", host.split(".")[0])
    return host in low or (len(domain_word) >= 2 and compact.startswith(domain_word))


def published_date(doc: Document, meta: MetaTable, ld: JsonLd) -> datetime | None:
    """Earliest trustworthy publication date: JSON-LD, meta tags, then ``<time>``."""
    if ld.article is not None:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            parsed = parse_date(ld.get_text(key))
            if parsed:
                return parsed
    for key in _PUBLISHED_META:
        parsed = parse_date(first(meta, key))
        if parsed:
            return parsed
    for value in doc.tree.xpath(
        "//time[@datetime]/@datetime | //*[@itemprop='datePublished']/@datetime"
        " | //*[@itemprop='datePublished']/@content"
    )[:5]:
        parsed = parse_date(value)
        if parsed:
            return parsed
    if ld.webpage is not None:
        parsed = parse_date(ld.get_text("datePublished"))
        if parsed:
            return parsed
    return _date_in_title(doc) or _htmldate(doc)


_TITLE_DATE = re.compile(
    r"(?<!\d)(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)(?!\d)|(?<!\d)((?:19|20)\d\d-\d\d-\d\d)"
)


def _date_in_title(doc: Document) -> datetime | None:
    """A date printed in the ``<title>`` ("… | DW | 28.04.2023"), day first."""
    for title in doc.tree.iter("title"):
        match = _TITLE_DATE.search(title.text_content() or "")
        if match is None:
            return None
        if match.group(4):
            return parse_date(match.group(4))
        day, month, year = (int(g) for g in match.group(1, 2, 3))
        try:
            return datetime(year, month, day, tzinfo=UTC)
        except ValueError:
            return None
    return None


def _htmldate(doc: Document) -> datetime | None:
    """Last resort: htmldate's heuristics over the page (it works on a copy of the tree)."""
    try:
        found = find_date(doc.tree, original_date=True, url=doc.url)
    except Exception:  # htmldate is a heuristic: a failure is just "no date"
        return None
    return parse_date(found) if found else None


def modified_date(meta: MetaTable, ld: JsonLd) -> datetime | None:
    """Last modification date (JSON-LD dateModified, article:modified_time...)."""
    if ld.article is not None:
        parsed = parse_date(ld.get_text("dateModified"))
        if parsed:
            return parsed
    for key in _MODIFIED_META:
        parsed = parse_date(first(meta, key))
        if parsed:
            return parsed
    return None


def language(doc: Document, meta: MetaTable, ld: JsonLd) -> str | None:
    """ISO 639-1 code from JSON-LD inLanguage, ``<html lang>`` or meta.

    Only the primary subtag is kept ("en-GB" -> "en").
    """
    candidates = [
        ld.get_text("inLanguage") if ld.article is not None else None,
        doc.tree.get("lang"),
        doc.tree.get("xml:lang"),
        first(meta, "content-language", "og:locale", "dc.language", "language"),
    ]
    for value in candidates:
        if value:
            match = _LANG.match(value.strip())
            if match:
                return match.group(1).lower()
    return None


def description(meta: MetaTable, ld: JsonLd) -> str | None:
    """The standfirst: JSON-LD description, og:description, meta description."""
    value = ld.get_text("description") if ld.article is not None else None
    return value or first(meta, "og:description", "description", "twitter:description")


def section(meta: MetaTable, ld: JsonLd, doc: Document | None = None) -> str | None:
    """The publisher's section: JSON-LD articleSection, article:section, parsely-section,
    microdata articleSection."""
    value = ld.get_text("articleSection") if ld.article is not None else None
    value = value or first(meta, "article:section", "parsely-section", "sailthru.section")
    return value or (microdata_value(doc, "articleSection") if doc is not None else None)


def tags(meta: MetaTable, ld: JsonLd) -> list[str]:
    """Publisher keywords from JSON-LD and meta tags."""
    values: list[str] = []
    if ld.article is not None:
        raw: Any = ld.article.get("keywords")
        if isinstance(raw, str):
            values.append(raw)
        elif isinstance(raw, list):
            values.extend(str(v) for v in raw if isinstance(v, str | int))
    values.extend(every(meta, "article:tag", "news_keywords", "parsely-tags", "sailthru.tags"))
    if not values:
        values.extend(every(meta, "keywords"))
    return split_keywords(values)


def copyright_lines(meta: MetaTable, ld: JsonLd) -> list[str]:
    """Copyright notices/holders from JSON-LD and meta (for normalization's credit rules)."""
    out: list[str] = []
    if ld.article is not None:
        for key in ("copyrightNotice", "copyrightHolder", "creditText"):
            value = ld.get_text(key)
            if value and value not in out:
                out.append(value)
    for value in every(meta, "copyright", "dc.rights", "dcterms.rights", "rights"):
        if value not in out:
            out.append(value)
    return out

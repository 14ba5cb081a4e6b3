"""Byline strings -> person names and agency credits.

A byline as printed mixes people with everything else: "By", roles ("Political Editor"),
places ("in Kyiv"), dates, e-mail addresses, desks ("Staff"), the site's own name and wire
agencies ("Jane Doe | Reuters"). Only people become authors; agencies become wire credits
(never authors, never silently lost); the rest is dropped and counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from newscrawl.normalize.agencies import lookup
from newscrawl.normalize.text import clean_text, fold_key

_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|januar|februar|märz|mai|juni|juli|"
    r"oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|"
    r"décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
    r"diciembre|january|february|march|april|june|july|august|september|october|november|december)"
)
# Things that are never part of a name; removed before splitting.
_NOISE = re.compile(
    "|".join(
        (
            r"\S+@\S+\.\w+",  # e-mail
            r"https?://\S+|www\.\S+",  # URL
            r"(?<!\w)@\w+",  # handle
            r"(?<!\d)\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?",  # ISO time
            r"(?<!\d)\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b",  # 05.06.2025, 13/01/2025
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s+{_MONTH}\w*\.?,?(?:\s+\d{{4}})?",  # 27 April 2024
            rf"\b{_MONTH}\w*\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?",  # Jan 7, 2024
            # 12:20pm, 15:56 BST, 10.45 Uhr
            r"(?<!\d)\d{1,2}[:.]\d{2}(?:\s*(?:[ap]\.?m\.?\b|uhr\b|h\b))?"
            r"(?:\s*(?:[A-Z]{1,3}T\b|UTC\b|GMT\b))?",
            # a weekday before a date: "Tue May 16, 2023", "Tuesday, 16 May"
            rf"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?"
            rf"\.?,?\s+(?=\d|{_MONTH})",
            r"(?<!\d)\d+\s*(?:min(?:ute)?s?|hours?|hrs?|days?|weeks?)\.?(?:\s+(?:ago|read))?\b",
            r"(?<!\d)\d{1,2}\s*[ap]\.?m\.?\b(?:\s+[A-Z]{1,3}T\b)?",  # 5 AM PT
            r"\b(?:hours?|minutes?|days?)\s+ago\b",
        )
    ),
    re.IGNORECASE,
)
# "Published"/"Updated" markers end a name: they become a separator (the date goes as noise).
_STAMP = re.compile(
    r"(?<![^\W\d_])(?:published|updated|last updated|posted|stand|veröffentlicht|aktualisiert|"
    r"actualizado|publicado|mis à jour|publié)(?![^\W\d_])(?:\s*(?:on|am|at|um|:))?",
    re.IGNORECASE,
)
# Leading words: "By", "Words by", "Ein Kommentar von", "Von:", "Par", "di", "View all posts by".
_PREFIX = re.compile(
    r"^(?:(?:ein(?:e)?\s+)?(?:kommentar|analyse|interview|kolumne|gastbeitrag|essay|opinion|"
    r"analysis|commentary|review|column|text|words|written|story|reporting|report|photos?|"
    r"additional reporting|view all posts|more|posts|articles|contact|meet)\s+)?"
    r"(?:by|von|par|por|door|av|af)\b\s*:?\s*",
    re.IGNORECASE,
)
_LOWER_PREFIX = re.compile(r"^(?:di|de|da|by)\s+")  # Romance "by", only as printed lower-case
_LABEL = re.compile(r"^[^\W\d_]+(?:\s[^\W\d_]+)?\s*:\s*")  # "Redaktion:", "Editor :"
_SPLIT = re.compile(
    r"\s*(?:[,;|/•·&+]|\s[–—-]\s|\b(?:and|und|et|y|e|i|og|och|en|и|AND|UND)\b)\s*",
)
_WWW = re.compile(r"^\s*(?:https?://)?(?:www\.)?", re.IGNORECASE)
_PAREN = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]")
_PLACE_TAIL = re.compile(r"\s+(?:in|aus|en|à|in the)\s+[A-Z][^\s]*(?:\s+[A-Z][^\s]*)*$")
_FOR_TAIL = re.compile(r"\s+(?:for|für|pour|para|per)\s+.*$", re.IGNORECASE)
_EDGE = re.compile(r"^[\s\-–—:.,;|*•·'\"“”‘’]+|[\s\-–—:,;|*•·'\"“”‘’]+$")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PARTICLES = _words(
    "al bin ibn da das de del della der den di do dos du el la le van von ter ten zu af av"
)
#: Job titles: never part of a name, and they end a name glued to them ("Jon KingReporter").
_ROLES = _words(
    """reporter reporters reporterin correspondent correspondents korrespondent korrespondentin
    corresponsal correspondant correspondante editor editors redakteur redakteurin redactor
    redactora rédacteur rédactrice writer writers journalist journalists journalistin journaliste
    periodista giornalista columnist kolumnist kolumnistin contributor contributors photographer
    fotograf fotografin photojournalist presenter director directeur directrice directora staff
    desk intern trainee volontär volontärin autor autorin author enviado enviada"""
)
#: Words that qualify a job title ("Deputy Content Hub Director"); they are also surnames
#: (Jonathan Head), so they go only next to a title.
_ROLE_MODIFIERS = _words(
    """chief senior deputy assistant associate managing executive political politics
    parliamentary sports sport business economics economy foreign home affairs health science
    technology tech lifestyle entertainment culture travel features feature news freelance
    special especial content hub digital social media video data investigations investigative
    international national world us uk state local contributing producer head host anchor
    analyst lead"""
)
#: Interface words around bylines ("Follow", "Tips meg", "Email the author").
_JUNK = _words(
    """email e-mail mail follow share more view contact tips meg comments comment click here
    subscribe sign login profile bio twitter facebook instagram linkedin whatsapp copy link
    the news anhören listen フォロー すべて見る"""
)
_STOPWORDS = (
    _ROLES
    | _JUNK
    | _words(
        """hours hour ago minutes min mins read updated published posted editorial editorials
    board team newsroom redaktion rédaction redacción redazione agencies agency agences
    agenturen nachrichten noticias news all posts opinion analysis newsletter admin
    administrator user guest anonymous unknown sponsored partner advertisement anzeige press
    release wire service online of our your my with from by sagt says said inc ltd llc gmbh
    corp plc media medien verlag publishing communications holdings university universität
    université universidad università institute institut instituto college foundation stiftung
    fondation fundación academy akademie association verband ministry ministerium department"""
    )
)
#: Titles written after CJK and Hangul names, glued or spaced ("홍길동 기자", "山田太郎記者").
_CJK_TITLE = re.compile(
    r"\s*(?:선임기자|기자|특파원|논설위원|앵커|記者|特派員|特派员|记者|編集委員|論説委員|通信員|"
    r"撮影)$"
)
_MAX_CJK_NAME_CHARS = 6
_GLUED = re.compile(
    r"(?<=[a-zà-ÿ])(?=(?:"
    + "|".join(
        sorted((w.capitalize() for w in _ROLES | _ROLE_MODIFIERS | _JUNK), key=len, reverse=True)
    )
    + r"|Updated|Published)(?![a-zà-ÿ]))"
)
# ... and words glued before a name: "ByLucy", "NewsSteffan", "ReporterTim", "vonJan".
_GLUED_AFTER = re.compile(
    r"\b(By|Von|von|by|Par|"
    + "|".join(sorted((w.capitalize() for w in _ROLES | _ROLE_MODIFIERS), key=len, reverse=True))
    + r")(?=[A-ZÀ-Þ][a-zà-ÿ])"
)
_INNER_BY = re.compile(r"^(?:[^\sA-ZÀ-Þ]\S*\s+)*?(?:by|von|par|por|door)\s*:?\s+(?=[A-ZÀ-Þ])")
_AFTER_HYPHEN = re.compile(r"(?<=[-'’])(\w)")
_MAX_TOKENS = 6
_MAX_CHARS = 60


@dataclass(slots=True)
class Byline:
    """What a set of byline strings says: people, text agencies, and the parts thrown away."""

    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def add_author(self, name: str) -> None:
        if fold_key(name) not in {fold_key(a) for a in self.authors}:
            self.authors.append(name)

    def add_agency(self, name: str) -> None:
        if name not in self.agencies:
            self.agencies.append(name)


def _is_unspaced_script(text: str) -> bool:
    """CJK/kana/hangul names are written without spaces (牛镛, 松岡大地)."""
    return all(
        "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
        for ch in text
    )


def _token_ok(token: str, first: bool) -> bool:
    letters = [ch for ch in token if ch.isalpha()]
    if not letters or any(ch.isdigit() for ch in token):
        return False
    if fold_key(token) in _STOPWORDS or token.casefold() in _STOPWORDS:
        return False
    if letters[0].islower():
        return not first and token in _PARTICLES
    return all(ch.isalpha() or ch in "-'’.‐" for ch in token)


def _is_name(text: str, site_keys: frozenset[str]) -> bool:
    """Whether ``text`` looks like one person's name (not a desk, site, sentence or date)."""
    if not text or len(text) > _MAX_CHARS:
        return False
    if fold_key(text) in site_keys:
        return False
    tokens = text.split(" ")
    if len(tokens) == 1:
        return len(text) >= 2 and _is_unspaced_script(text)
    if all(_is_unspaced_script(t) for t in tokens):  # "山田 太郎", "남궁 민"
        return len(tokens) <= 3 and len(text.replace(" ", "")) <= _MAX_CJK_NAME_CHARS
    if any(_is_unspaced_script(t) for t in tokens):
        return False
    if len(tokens) > _MAX_TOKENS:
        return False
    if any(fold_key(t) in site_keys for t in tokens if len(fold_key(t)) >= 2):
        return False
    if len(tokens[-1]) == 1:  # "Ilanga D": a user name, not a person's byline
        return False
    return all(_token_ok(t, i == 0) for i, t in enumerate(tokens))


def _fix_case(name: str) -> str:
    """ALL-CAPS names become title case, particles lower-case.

    >>> _fix_case("AMELIA THOMSON-DEVEAUX")
    'Amelia Thomson-Deveaux'
    >>> _fix_case("MARÍA DE LA CRUZ")
    'María de la Cruz'
    """
    if any(ch.islower() for ch in name) or sum(ch.isupper() for ch in name) < 2:
        return name
    words = []
    for i, word in enumerate(name.split(" ")):
        low = word.lower()
        words.append(low if i and low in _PARTICLES else word.capitalize())
    fixed = " ".join(words)
    # Capitalize after hyphens and apostrophes (O'REGAN -> O'Regan).
    return _AFTER_HYPHEN.sub(lambda m: m.group(1).upper(), fixed)


def _key(token: str) -> str:
    return token.strip(".,:").casefold()


def _strip_roles(tokens: list[str]) -> list[str] | None:
    """Drop job titles and interface words around a name; None if it was a desk ("X Staff")."""
    while tokens and _key(tokens[-1]) in _JUNK:
        tokens = tokens[:-1]
    while tokens and _key(tokens[0]) in _JUNK:
        tokens = tokens[1:]
    if tokens and _key(tokens[-1]) in _ROLES:
        if any(_key(t) in {"staff", "desk"} for t in tokens):
            return None
        while tokens and _key(tokens[-1]) in _ROLES | _ROLE_MODIFIERS:
            tokens = tokens[:-1]
    if tokens and _key(tokens[0]) in _ROLES:
        while len(tokens) > 2 and _key(tokens[0]) in _ROLES | _ROLE_MODIFIERS:
            tokens = tokens[1:]
    return tokens


def _split_trailing_agency(part: str) -> tuple[str, str | None]:
    """'Vasilisa Stepanenko The Associated Press' -> ('Vasilisa Stepanenko', 'Associated Press')."""
    tokens = part.split(" ")
    for size in range(min(4, len(tokens) - 1), 0, -1):
        agency = lookup(" ".join(tokens[-size:]))
        if agency is not None:
            return " ".join(tokens[:-size]), agency.name
    return part, None


def _strip_prefixes(text: str) -> str:
    while True:
        stripped = _INNER_BY.sub("", _LABEL.sub("", text))
        stripped = _EDGE.sub("", _LOWER_PREFIX.sub("", _PREFIX.sub("", stripped)))
        if stripped == text:
            return text
        text = stripped


def _parse_part(part: str, site_keys: frozenset[str], out: Byline) -> None:
    part = _strip_prefixes(part)
    if part and not part.isascii():
        part = _CJK_TITLE.sub("", part)
    if not part:
        return
    agency = lookup(part)
    if agency is not None:
        if agency.is_text:
            out.add_agency(agency.name)
        return
    part = _strip_prefixes(_FOR_TAIL.sub("", _PLACE_TAIL.sub("", part)))
    agency = lookup(part)
    if agency is not None:
        if agency.is_text:
            out.add_agency(agency.name)
        return
    part, agency_name = _split_trailing_agency(part)
    if agency_name:
        agency = lookup(agency_name)
        if agency is not None and agency.is_text:
            out.add_agency(agency.name)
    for chunk in _role_chunks(part.split()):
        tokens = _strip_roles(chunk)
        if tokens is None:
            out.rejected.append(" ".join(chunk))
            continue
        name = _EDGE.sub("", " ".join(tokens))
        agency = lookup(name) if name and len(tokens) < len(chunk) else None
        if agency is not None:  # "PA Political Correspondent": the agency the role names
            if agency.is_text:
                out.add_agency(agency.name)
            continue
        if _is_name(name, site_keys):
            out.add_author(_fix_case(name))
        elif name:
            out.rejected.append(name)


def _role_chunks(tokens: list[str]) -> list[list[str]]:
    """Cut after each job title: "Lucy Thornton News Reporter Tim Hanlon" -> two names."""
    chunks: list[list[str]] = [[]]
    for token in tokens:
        chunks[-1].append(token)
        if _key(token) in _ROLES:
            chunks.append([])
    return [c for c in chunks if c]


def parse_bylines(raws: Iterable[str | None], site_names: Iterable[str | None] = ()) -> Byline:
    """Parse byline strings (in page order) into authors and text-agency credits.

    ``site_names`` (publisher, og:site_name...) are never authors.

    >>> b = parse_bylines(["By STEVE PEOPLES, THOMAS BEAUMONT and AMELIA THOMSON-DEVEAUX"])
    >>> b.authors
    ['Steve Peoples', 'Thomas Beaumont', 'Amelia Thomson-Deveaux']
    >>> b = parse_bylines(["Felix Schröder und Jörg Soldwisch, dpa"])
    >>> b.authors, b.agencies
    (['Felix Schröder', 'Jörg Soldwisch'], ['dpa'])
    >>> parse_bylines(["홍길동 기자", "山田 太郎記者", "Acme Media Inc."]).authors
    ['홍길동', '山田 太郎']
    """
    site_keys = frozenset(k for k in (fold_key(clean_text(n)) for n in site_names if n) if k)
    found = _collect(raws, site_keys)
    out = Byline(agencies=found.agencies, rejected=found.rejected)
    # A name must come out of the parser unchanged: what is left of "GETTY IMAGEsEditor"
    # after cleaning is an agency, not a person. This also makes parsing idempotent.
    for name in found.authors:
        again = _collect([name], site_keys)
        if again.authors == [name] and not again.agencies:
            out.add_author(name)
        else:
            out.rejected.append(name)
    return out


def _collect(raws: Iterable[str | None], site_keys: frozenset[str]) -> Byline:
    out = Byline()
    for raw in raws:
        found = _collect_one(raw, site_keys) if raw else None
        if found is None:
            continue
        for name in found.authors:
            out.add_author(name)
        for agency in found.agencies:
            out.add_agency(agency)
        out.rejected.extend(found.rejected)
    return out


@lru_cache(maxsize=8192)  # a site's bylines repeat from page to page; callers never mutate it
def _collect_one(raw: str, site_keys: frozenset[str]) -> Byline | None:
    out = Byline()
    text = clean_text(raw)
    if not text:
        return None
    text = _GLUED_AFTER.sub(r"\1 ", _GLUED.sub(" ", text))
    text = _STAMP.sub(",", text)
    inners = _PAREN.findall(text)
    if any(fold_key(_WWW.sub("", i)) in site_keys for i in inners):
        out.rejected.append(text)  # "Deutsche Welle (www.dw.com)": the site signing itself
        return out
    for inner in inners:
        agency = lookup(inner)
        if agency is not None and agency.is_text:
            out.add_agency(agency.name)
    text = _NOISE.sub(" ", _PAREN.sub(" ", text))
    for part in _SPLIT.split(" ".join(text.split())):
        _parse_part(part, site_keys, out)
    return out


def normalize_authors(
    raws: Iterable[str | None], site_names: Iterable[str | None] = ()
) -> list[str]:
    """Just the person names of :func:`parse_bylines`.

    >>> normalize_authors(["Email the author", "Hours Ago", "Jon King, News Reporter"])
    ['Jon King']
    """
    return parse_bylines(raws, site_names).authors

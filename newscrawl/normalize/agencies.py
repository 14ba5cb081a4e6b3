"""The agency registry: which names mean Reuters, AP, AFP, Getty Images... (``data/agencies.toml``).

Loaded once per process (cached). Matching is on whole strings or whole parts of a credit
("Jane Doe/AP" -> parts "Jane Doe", "AP"); short acronyms ("AP", "PA", "AA") only match as
printed so that ordinary words never become agencies.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

#: Aliases this long or shorter are acronyms and match case-sensitively.
_ACRONYM_MAX = 4

#: Separators between the parts of a joint credit: "Reuters/AP", "dpa | Jens Kalaene",
#: "AFP via Getty Images", "Reuters and the Associated Press".
_PART_SPLIT = re.compile(
    r"\s*(?:/|\||;|,|&|\+|\bvia\b|\band\b|\bund\b|\bet\b|\by\b|\bwith\b)\s*", re.IGNORECASE
)
_LEADING_THE = re.compile(r"^(?:the|die|der|la|le|el)\s+", re.IGNORECASE)
_EDGE_JUNK = re.compile(r"^[\s(\[—–\-:.,]+|[\s)\].,;:—–\-]+$")


@dataclass(frozen=True, slots=True)
class Agency:
    """One agency: its canonical name, whether it is a text (wire) or photo agency, its sites."""

    name: str
    kind: str
    aliases: tuple[str, ...]
    domains: tuple[str, ...]

    @property
    def is_text(self) -> bool:
        return self.kind == "text"


def _fold(text: str) -> str:
    """Case- and accent-insensitive key: 'Anadolu Ajansı' == 'anadolu ajansi'."""
    if text.isascii():  # nothing to decompose; casefold is lower
        return " ".join(text.lower().replace("-", " ").split())
    decomposed = unicodedata.normalize("NFKD", text.replace("ı", "i"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().replace("-", " ").split())


@dataclass(frozen=True, slots=True)
class Registry:
    """Lookup tables built once from the data file."""

    agencies: tuple[Agency, ...]
    exact: dict[str, Agency]  # acronyms, as printed
    folded: dict[str, Agency]  # longer aliases, folded
    by_domain: dict[str, Agency]
    mention: re.Pattern[str]  # any alias inside running text

    def lookup(self, text: str) -> Agency | None:
        """The agency whose name or alias is exactly ``text`` (after trimming), else None."""
        plain = unicodedata.normalize("NFKC", text)  # "ＡＰ" -> "AP"
        for candidate in dict.fromkeys((text.strip(), _EDGE_JUNK.sub("", text), plain.strip())):
            if not candidate:
                continue
            if candidate in self.exact:
                return self.exact[candidate]
            key = _fold(candidate)
            agency = self.folded.get(key) or self.folded.get(_LEADING_THE.sub("", key))
            if agency is not None:
                return agency
        return None


@cache
def registry() -> Registry:
    """The registry, parsed from ``newscrawl/data/agencies.toml`` on first use."""
    raw = resources.files("newscrawl").joinpath("data/agencies.toml").read_bytes()
    agencies: list[Agency] = []
    exact: dict[str, Agency] = {}
    folded: dict[str, Agency] = {}
    by_domain: dict[str, Agency] = {}
    for entry in tomllib.loads(raw.decode("utf-8"))["agency"]:
        agency = Agency(
            name=entry["name"],
            kind=entry["kind"],
            aliases=tuple(entry.get("aliases", ())),
            domains=tuple(entry.get("domains", ())),
        )
        agencies.append(agency)
        for alias in (agency.name, *agency.aliases):
            if len(alias) <= _ACRONYM_MAX:
                exact[alias] = agency
            else:
                folded[_fold(alias)] = agency
        for domain in agency.domains:
            by_domain[domain] = agency
    return Registry(tuple(agencies), exact, folded, by_domain, _mention_pattern(agencies))


def _mention_pattern(agencies: list[Agency]) -> re.Pattern[str]:
    """One regex for every alias as a whole word; acronyms case-sensitive, names not."""
    long_names = {a for ag in agencies for a in (ag.name, *ag.aliases) if len(a) > _ACRONYM_MAX}
    acronyms = {a for ag in agencies for a in (ag.name, *ag.aliases) if len(a) <= _ACRONYM_MAX}

    def alternation(names: set[str]) -> str:
        return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))

    return re.compile(
        rf"(?<![\w-])(?:(?i:{alternation(long_names)})|{alternation(acronyms)})(?![\w-])"
    )


@lru_cache(maxsize=8192)  # bylines and credits repeat a lot across a crawl
def lookup(text: str) -> Agency | None:
    """The agency named by the whole of ``text``.

    >>> lookup("The Associated Press").name
    'Associated Press'
    >>> lookup("(AP)").name
    'Associated Press'
    >>> lookup("Anadolu Ajansı").name
    'Anadolu'
    >>> lookup("ap") is None  # acronyms match only as printed
    True
    """
    return registry().lookup(text)


def split_parts(text: str) -> list[str]:
    """Split a joint credit into its parts.

    >>> split_parts("STR/AFP via Getty Images")
    ['STR', 'AFP', 'Getty Images']
    """
    return [p for p in (_EDGE_JUNK.sub("", part) for part in _PART_SPLIT.split(text)) if p]


def agencies_only(text: str) -> list[Agency] | None:
    """The agencies of a credit made only of agency names ("Reuters/AP"), else None.

    >>> [a.name for a in agencies_only("Reuters and the Associated Press")]
    ['Reuters', 'Associated Press']
    >>> agencies_only("Jane Doe/AP") is None
    True
    """
    whole = lookup(text)
    if whole is not None:
        return [whole]
    parts = split_parts(text)
    found = [lookup(part) for part in parts]
    if not parts or any(agency is None for agency in found):
        return None
    return _unique([a for a in found if a is not None])


def agencies_in(text: str) -> list[Agency]:
    """Agencies named by any part of a credit ("Lukas Coch/dpa/AAP" -> dpa, AAP)."""
    whole = lookup(text)
    if whole is not None:
        return [whole]
    return _unique([a for a in map(lookup, split_parts(text)) if a is not None])


def mentions(text: str) -> list[Agency]:
    """Agencies named anywhere in running text, in order of appearance.

    >>> [a.name for a in mentions("Reuters and the Associated Press contributed to this report")]
    ['Reuters', 'Associated Press']
    >>> mentions("the app was down")
    []
    """
    found = (lookup(m.group(0)) for m in registry().mention.finditer(text))
    return _unique([a for a in found if a is not None])


def agency_for_host(host: str | None) -> Agency | None:
    """The agency whose own site ``host`` is (``www.reuters.com`` -> Reuters)."""
    if not host:
        return None
    host = host.lower().rstrip(".")
    table = registry().by_domain
    while host:
        if host in table:
            return table[host]
        _, _, host = host.partition(".")
    return None


def _unique(agencies: list[Agency]) -> list[Agency]:
    seen: set[str] = set()
    out = []
    for agency in agencies:
        if agency.name not in seen:
            seen.add(agency.name)
            out.append(agency)
    return out

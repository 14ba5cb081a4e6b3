"""Wire credits: which agencies a story's text is credited to, and where that was printed.

Credits come from datelines ("KYIV, May 12 (Reuters) -"), trailer lines ("Reuters and the
Associated Press contributed to this report", "Additional reporting by AFP", "— AP"), JSON-LD
organisations and copyright lines. Only lines that are nothing but credit text leave the body;
a dateline stays, being the story's first words. Mentions inside the story ("told Reuters",
"according to AP") are never read: only the dateline position and whole credit lines count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from newscrawl.normalize.agencies import Agency, agencies_in, agencies_only, lookup, mentions
from newscrawl.normalize.text import clean_text

#: How many paragraphs at the top may hold a dateline or a lone credit line.
_HEAD_PARAGRAPHS = 2
#: How many paragraphs at the end are searched for trailer lines.
_TAIL_PARAGRAPHS = 4

_DATELINE = re.compile(r"^(?P<place>[^\W\d_][^()\n]{0,60}?)?\s*\((?P<who>[^()]{1,40})\)\s*[-—–:]")
_CONTRIBUTED = re.compile(
    r"^[-—–\s]*(?P<who>.{1,300}?)\s+(?:also\s+)?(?:have\s+|has\s+)?"
    r"(?:contributed|contributes)\s+(?:to\s+)?(?:(?:this|the)\s+)?(?:report|story|article|reporting)"
    r"(?:ing)?\.?$",
    re.IGNORECASE,
)
_REPORTING_BY = re.compile(
    r"^(?:(?:with\s+)?(?:additional|further|extra)\s+)?reporting\s+(?:by|from)\s+(?P<who>.+?)\.?$",
    re.IGNORECASE,
)
_DESK_CREDITS = re.compile(
    r"^(?:(?:writing|editing|compiled|produced)\s+by\s+[^;]+;?\s*)+$", re.IGNORECASE
)
_WITH = re.compile(
    r"^[-—–\s]*(?:with|mit|avec|con|mit material von|with reporting from)\s+(?P<who>.+?)\.?$",
    re.IGNORECASE,
)
_GENERIC_AGENCIES = re.compile(
    r"^(?:the\s+)?(?:agencies|wires|wire services|agency reporting|agenturen|agences|agencias)$",
    re.IGNORECASE,
)
_SOURCE = re.compile(r"^(?:quelle|source|sources|fuente|fonte|bron)\s*:\s*(?P<who>.+)$", re.I)
_PROVIDED = re.compile(
    r"^(?:this|the)\s+(?:story|article|report|content)\s+(?:was|is|has been)\s+(?:originally\s+)?"
    r"(?:provided|published|produced|written|distributed|supplied|reported)\s+by\s+(?P<who>.+?)\.?$",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(
    r"^(?:copyright|©|\(c\))\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*)?(?P<who>.+?)"
    r"(?:[.,]?\s*all rights reserved\.?)?$",
    re.IGNORECASE,
)
_LONE = re.compile(r"^[-—–\s]*\(?(?P<who>[^()]{1,60}?)\)?\.?$")


@dataclass(slots=True)
class BodyCredits:
    """What the body's dateline and trailer lines credit, and the body without credit lines."""

    body: str | None
    credits: list[tuple[str, str]] = field(default_factory=list)  # (where, agency name)
    removed: list[str] = field(default_factory=list)


def _text_agencies(agencies: Iterable[Agency], skip: frozenset[str]) -> list[str]:
    return [a.name for a in agencies if a.is_text and a.name not in skip]


def _dateline(paragraph: str) -> list[Agency]:
    match = _DATELINE.match(paragraph)
    if not match:
        return []
    return agencies_only(match["who"]) or []


def _credit_line(paragraph: str) -> tuple[str, list[Agency]] | None:
    """If the whole paragraph is credit text: (kind, agencies it credits); else None."""
    if len(paragraph) > 400:
        return None
    found: list[Agency] | None
    if match := _CONTRIBUTED.match(paragraph):
        return "trailer", mentions(match["who"])
    if match := _REPORTING_BY.match(paragraph):
        return "trailer", mentions(match["who"])
    if _DESK_CREDITS.match(paragraph):
        return "trailer", []
    if match := _PROVIDED.match(paragraph):
        found = mentions(match["who"])
        return ("trailer", found) if found else None
    if match := _SOURCE.match(paragraph):
        found = agencies_in(match["who"])
        return ("trailer", found) if found else None
    if match := _COPYRIGHT.match(paragraph):
        found = mentions(match["who"])
        return ("copyright", found) if found else None
    if match := _WITH.match(paragraph):
        if _GENERIC_AGENCIES.match(match["who"]):
            return "trailer", []
        found = agencies_only(match["who"])
        return ("trailer", found) if found else None
    if match := _LONE.match(paragraph):
        found = agencies_only(match["who"])
        return ("trailer", found) if found else None
    return None


def find_body_credits(body: str | None, self_agencies: Iterable[str] = ()) -> BodyCredits:
    """Credits printed in the body, and the body with pure credit lines removed.

    ``self_agencies`` are agencies that published the page themselves: their lines are still
    removed but they are not credits.

    >>> r = find_body_credits("KYIV, May 12 (Reuters) - Russia said.\\n\\nMore.\\n\\nWith AFP")
    >>> r.credits
    [('dateline', 'Reuters'), ('trailer', 'Agence France-Presse')]
    >>> r.body
    'KYIV, May 12 (Reuters) - Russia said.\\n\\nMore.'
    >>> find_body_credits("He told Reuters on Friday.").credits
    []
    """
    if not body:
        return BodyCredits(body)
    skip = frozenset(self_agencies)
    paragraphs = [p for p in (clean_text(p) for p in body.split("\n\n")) if p]
    result = BodyCredits(body)
    # Removing a trailer line can bring another one into the window: repeat until none is left.
    while True:
        count = len(paragraphs)
        window = sorted(
            set(range(min(_HEAD_PARAGRAPHS, count)))
            | set(range(max(count - _TAIL_PARAGRAPHS, 0), count))
        )
        hits = {i: line for i in window if (line := _credit_line(paragraphs[i])) is not None}
        if not hits:
            break
        for i, (kind, agencies) in sorted(hits.items()):
            result.removed.append(paragraphs[i])
            result.credits.extend((kind, name) for name in _text_agencies(agencies, skip))
        paragraphs = [p for i, p in enumerate(paragraphs) if i not in hits]
    # Datelines of the body as returned (a removed line can bring one to the top), first.
    result.credits[:0] = [
        ("dateline", n)
        for paragraph in paragraphs[:_HEAD_PARAGRAPHS]
        for n in _text_agencies(_dateline(paragraph), skip)
    ]
    result.body = "\n\n".join(paragraphs) or None
    return result


def credits_from_organisations(names: Iterable[str | None]) -> list[str]:
    """Text agencies among JSON-LD author/sourceOrganization organisation names.

    >>> credits_from_organisations(["Deutsche Presse-Agentur", "MM-Redaktion", "Getty Images"])
    ['dpa']
    """
    found: list[Agency] = []
    for name in names:
        text = clean_text(name)
        if text:
            agency = lookup(text)
            found.extend([agency] if agency else agencies_only(text) or [])
    return list(dict.fromkeys(_text_agencies(found, frozenset())))


def credits_from_copyright(lines: Iterable[str | None]) -> list[str]:
    """Text agencies named in copyright lines ("Copyright 2023 The Associated Press").

    >>> credits_from_copyright(["Copyright 2023 The Associated Press. All rights reserved."])
    ['Associated Press']
    """
    found: list[Agency] = []
    for line in lines:
        text = clean_text(line)
        if match := _COPYRIGHT.match(text):
            found.extend(mentions(match["who"]))
    return list(dict.fromkeys(_text_agencies(found, frozenset())))

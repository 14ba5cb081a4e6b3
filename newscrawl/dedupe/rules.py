"""When two versions are the same article, or the same story.

*Same article*: same publisher and the same text (exact hash, near-duplicate, or one
body a truncation of the other), or same publisher and the same headline with bodies
that do not contradict each other. *Same story*: the same text at any publisher, e.g.
one wire story carried by several papers; those rows share a ``story_id``.
"""

from __future__ import annotations

from datetime import timedelta

from newscrawl.dedupe.fingerprint import MIN_WORDS, resemblance
from newscrawl.dedupe.merge import Version

#: Shingle Jaccard above which two bodies are the same text.
SAME_TEXT_JACCARD = 0.6
#: Share of the shorter body found in the longer one above which it is a truncated copy.
SAME_TEXT_CONTAINMENT = 0.8
#: With the same headline, a looser containment is enough.
SAME_HEADLINE_CONTAINMENT = 0.5
#: Versions of one publication are not published a day apart (time-zone slips stay below).
MAX_PUBLISHED_GAP = timedelta(hours=20)


def text_match(a: Version, b: Version) -> float:
    """How surely two bodies are the same text, 0.0 when they are not."""
    if min(a.words, b.words) < MIN_WORDS:
        return 0.0
    if a.content_hash and a.content_hash == b.content_hash:
        return 1.0
    jaccard, containment = resemblance(a.body, b.body)
    if jaccard >= SAME_TEXT_JACCARD or containment >= SAME_TEXT_CONTAINMENT:
        return max(jaccard, 0.99 * containment)
    return 0.0


def same_publisher(a: Version, b: Version) -> bool:
    return bool(a.publisher_key) and a.publisher_key == b.publisher_key


def far_apart(a: Version, b: Version) -> bool:
    """Published more than :data:`MAX_PUBLISHED_GAP` apart (a daily page, a yearly review)."""
    if a.published_at is None or b.published_at is None:
        return False
    return abs(a.published_at - b.published_at) > MAX_PUBLISHED_GAP


def same_article(stored: Version, incoming: Version) -> float:
    """Score (0 = different) that ``incoming`` is another URL of the ``stored`` article."""
    if not same_publisher(stored, incoming) or far_apart(stored, incoming):
        return 0.0
    score = text_match(stored, incoming)
    if score or not incoming.headline_key or incoming.headline_key != stored.headline_key:
        return score
    if min(stored.words, incoming.words) < MIN_WORDS:
        return 0.5
    _, containment = resemblance(stored.body, incoming.body)
    return 0.5 if containment >= SAME_HEADLINE_CONTAINMENT else 0.0

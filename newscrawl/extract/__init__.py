"""HTML page + URL -> :class:`~newscrawl.article.Article` (not yet normalized).

Each page is parsed once (:mod:`newscrawl.extract.document`); JSON-LD
(:mod:`~newscrawl.extract.jsonld`), meta tags (:mod:`~newscrawl.extract.meta`), the body
(:mod:`~newscrawl.extract.body`, trafilatura plus clean-up) and images
(:mod:`~newscrawl.extract.images`) all read that one tree. Per-site definitions
(:mod:`newscrawl.sites`) override generic values only where a site needs it.
"""

from __future__ import annotations

from newscrawl.extract.core import extract_article, extract_document
from newscrawl.extract.document import UnparsablePage

__all__ = ["UnparsablePage", "extract_article", "extract_document"]

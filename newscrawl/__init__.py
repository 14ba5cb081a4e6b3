"""newscrawl: a Scrapy-based news crawler.

The domain logic lives here and is importable without running a crawl:
``newscrawl.extract`` (HTML -> Article), ``newscrawl.normalize`` (clean fields),
``newscrawl.dedupe`` (same article, same story) and ``newscrawl.store`` (SQLAlchemy).
"""

from newscrawl.article import Article, Image

__all__ = ["Article", "Image"]
__version__ = "0.1.0"

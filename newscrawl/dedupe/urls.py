"""URL canonicalization: one spelling per page, so the same page is never stored twice.

courlan does the host case, default ports, path dot-segments and its tracker list;
w3lib sorts the query and drops the fragment. On top of both we remove the trackers
news sites add (``ocid``, ``cmpid``, ``smid``…) and fold AMP variants onto the page.
"""

from __future__ import annotations

import contextlib
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import courlan
import tldextract
from w3lib.url import canonicalize_url as w3lib_canonicalize

#: Query parameters that only track the reader (matched on the lower-cased name).
_TRACKER_RE = re.compile(
    r"^(?:utm_\w*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid"
    r"|ocid|cmpid|cmp|icid|intcmp|ito|smid|smtyp|sr_share|at_\w+|_ga|_gl|ns_\w+|ftag|s_cid"
    r"|guccounter|guce_\w+|mbid|spm|share|shared|fromrss|rss|ref|ref_src|referrer|src"
    r"|partner|cid|xtor|__twitter_impression|__tn__|amp_\w+|_ptid|mkt_tok|vero_\w+|oly_\w+"
    r"|pk_\w+|mtm_\w+|itm_\w+|ga_\w+|trk|trkid|tracking|taid|sh|soc_src|soc_trk|wt\.\w+)$"
)
#: Query parameters that only select the AMP rendering of the same page.
_AMP_PARAMS = {"amp": None, "outputtype": "amp", "output": "amp", "format": "amp", "view": "amp"}
_AMP_CACHE_RE = re.compile(r"^[a-z0-9-]+\.cdn\.ampproject\.org$")
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _is_amp_param(name: str, value: str) -> bool:
    key = name.lower()
    if key not in _AMP_PARAMS:
        return False
    wanted = _AMP_PARAMS[key]
    return wanted is None or value.lower() == wanted


def _clean_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [
        (k, v) for k, v in pairs if not _TRACKER_RE.match(k.lower()) and not _is_amp_param(k, v)
    ]
    return urlencode(kept)


def _strip_amp_path(path: str) -> str:
    """``/amp/x``, ``/x/amp``, ``/x.amp`` and ``/x.amp.html`` all mean ``/x`` (``/x.html``)."""
    segments = path.split("/")[1:]
    trailing = len(segments) > 1 and segments[-1] == ""
    core = segments[:-1] if trailing else segments
    if len(core) > 1 and core[-1] == "amp":
        core, trailing = core[:-1], False
    if len(core) > 1 and core[0] == "amp":
        core = core[1:]
    if core and core[-1].endswith(".amp"):
        core[-1] = core[-1][: -len(".amp")]
    elif core and ".amp." in core[-1]:
        core[-1] = core[-1].replace(".amp.", ".", 1)
    return "/" + "/".join(core) + ("/" if trailing else "")


def _unwrap_amp_cache(url: str) -> str:
    """Google's AMP cache serves ``host.cdn.ampproject.org/c/s/host/path``: return the origin."""
    parts = urlsplit(url)
    if not _AMP_CACHE_RE.match(parts.hostname or ""):
        return url
    match = re.match(r"^/[a-z]/(s/)?(.+)$", parts.path)
    if not match:
        return url
    scheme = "https" if match.group(1) else "http"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{match.group(2)}{query}"


def is_http_url(url: str | None) -> bool:
    """True for absolute http(s) URLs with a host.

    >>> is_http_url("https://example.com/a"), is_http_url("file:///etc/passwd"), is_http_url("/a")
    (True, False, False)
    """
    if not url:
        return False
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


@lru_cache(maxsize=4096)  # repeats within one item and batch, not a crawl-wide memo
def canonicalize_url(url: str) -> str:
    """The one spelling of a page's URL used as its identity.

    Lower-cases the scheme and host, drops default ports, fragments, tracking
    parameters and AMP markers, and sorts the remaining query parameters.

    >>> canonicalize_url("HTTPS://WWW.Example.COM:443/a/b?utm_source=x&b=2&a=1&fbclid=z#top")
    'https://www.example.com/a/b?a=1&b=2'
    >>> canonicalize_url("https://example.com/story?ocid=msn&cmpid=rss&id=7")
    'https://example.com/story?id=7'
    >>> canonicalize_url("https://amp.example.com/news/story-1/amp?outputType=amp")
    'https://www.example.com/news/story-1'
    >>> canonicalize_url("https://example.com/amp/news/story-1?amp=1")
    'https://example.com/news/story-1'
    >>> canonicalize_url("https://www.bbc.co.uk/news/world-123.amp")
    'https://www.bbc.co.uk/news/world-123'
    >>> canonicalize_url("https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a/b")
    'https://www.example.com/a/b'
    """
    url = _unwrap_amp_cache(url.strip())
    with contextlib.suppress(ValueError):
        url = courlan.normalize_url(url)
    parts = urlsplit(url)
    host = parts.netloc
    if host.startswith("amp."):
        host = "www." + host[len("amp.") :]
    path = _strip_amp_path(parts.path or "/")
    rebuilt = urlunsplit((parts.scheme, host, path, _clean_query(parts.query), ""))
    return w3lib_canonicalize(rebuilt)


def is_amp_url(url: str) -> bool:
    """True when the URL is an AMP rendering of some other page.

    >>> is_amp_url("https://example.com/a/amp"), is_amp_url("https://example.com/a")
    (True, False)
    """
    parts = urlsplit(url)
    return (
        bool(_AMP_CACHE_RE.match(parts.hostname or ""))
        or (parts.hostname or "").startswith("amp.")
        or _strip_amp_path(parts.path or "/") != (parts.path or "/")
        or any(_is_amp_param(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True))
    )


@lru_cache(maxsize=16384)
def _split_host(host: str) -> tuple[str, str]:
    """(registrable domain, its label) of a host name, e.g. ('bbc.co.uk', 'bbc')."""
    extracted = _TLD(host)
    return extracted.top_domain_under_public_suffix or host, extracted.domain or host


def site_domain(host: str | None) -> tuple[str, str] | None:
    """(registrable domain, its label) a host name offers as its site's name, from the Public
    Suffix List; under a suffix the list does not know (a test's ``.example``) the last label is
    taken for the suffix. None for an IP address, a single label or a bare suffix.

    >>> site_domain("WWW.Independent.co.uk."), site_domain("www.news.example")
    (('independent.co.uk', 'independent'), ('news.example', 'news'))
    >>> site_domain("127.0.0.1"), site_domain("localhost"), site_domain("co.uk")
    (None, None, None)
    """
    host = (host or "").lower().rstrip(".")
    extracted = _TLD(host)
    if extracted.suffix:
        return (
            (extracted.top_domain_under_public_suffix, extracted.domain)
            if extracted.domain
            else None
        )
    labels = host.split(".")
    if len(labels) < 2 or extracted.ipv4 or extracted.ipv6:
        return None
    return ".".join(labels[-2:]), labels[-2]


def registrable_domain(url: str) -> str:
    """The domain a publisher registered (public-suffix aware), lower-cased.

    >>> registrable_domain("https://www.independent.co.uk/news/x")
    'independent.co.uk'
    >>> registrable_domain("http://127.0.0.1:8080/x")
    '127.0.0.1'
    """
    return _split_host((urlsplit(url).hostname or "").lower())[0]


def domain_label(url: str) -> str:
    """The registrable domain without its public suffix: ``independent`` for independent.co.uk.

    >>> domain_label("https://edition.cnn.com/2024/x")
    'cnn'
    """
    return _split_host((urlsplit(url).hostname or "").lower())[1]


def choose_canonical_url(url: str, declared: str | None) -> str:
    """The canonical URL to key a page on: the declared one (``rel=canonical``) when trustworthy.

    A declared canonical on another registrable domain, or one pointing at the
    site's home page from an article, is ignored (both are common site bugs).

    >>> choose_canonical_url("https://ex.com/a?utm_source=x", "https://ex.com/a-story")
    'https://ex.com/a-story'
    >>> choose_canonical_url("https://ex.com/a-story", "https://ex.com/")
    'https://ex.com/a-story'
    >>> choose_canonical_url("https://ex.com/a", "https://other.com/a")
    'https://ex.com/a'
    """
    page = canonicalize_url(url)
    if not is_http_url(declared):
        return page
    assert declared is not None
    candidate = canonicalize_url(declared)
    if registrable_domain(candidate) != registrable_domain(page):
        return page
    if urlsplit(candidate).path in ("", "/") and urlsplit(page).path not in ("", "/"):
        return page
    return candidate

"""Where newscrawl keeps its own files when no setting says otherwise: per user, never the
working directory nor the installed package, so a crawl behaves the same from any directory
and from any kind of install (editable, wheel, system package).

* caches (the HTTP cache behind conditional GETs): ``$XDG_CACHE_HOME/newscrawl``, by default
  ``~/.cache/newscrawl``;
* state (per-source run locks): ``$XDG_STATE_HOME/newscrawl``, by default
  ``~/.local/state/newscrawl``.

Relative ``XDG_*`` values are ignored, as the XDG Base Directory specification says. Without
a home directory, a per-user directory under the system temp dir is used. Nothing is created
here; the components that write create their directories.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

APP = "newscrawl"


def _home(env: Mapping[str, str]) -> Path | None:
    home = env.get("HOME")
    if home and Path(home).is_absolute():
        return Path(home)
    try:
        return Path.home()
    except (RuntimeError, KeyError):
        return None


def _xdg(env: Mapping[str, str], variable: str, default: tuple[str, ...]) -> Path:
    value = env.get(variable, "")
    if value and Path(value).is_absolute():
        return Path(value) / APP
    home = _home(env)
    if home is None or home == Path("/"):
        return Path(tempfile.gettempdir()) / f"{APP}-{os.getuid()}"
    return home.joinpath(*default, APP)


def cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The per-user cache directory.

    >>> str(cache_dir({"XDG_CACHE_HOME": "/var/cache/me", "HOME": "/home/me"}))
    '/var/cache/me/newscrawl'
    >>> str(cache_dir({"XDG_CACHE_HOME": "relative", "HOME": "/home/me"}))
    '/home/me/.cache/newscrawl'
    """
    return _xdg(env, "XDG_CACHE_HOME", (".cache",))


def state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The per-user state directory.

    >>> str(state_dir({"HOME": "/home/me"}))
    '/home/me/.local/state/newscrawl'
    """
    return _xdg(env, "XDG_STATE_HOME", (".local", "state"))


def default_lock_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where per-source run locks go: ``$NEWSCRAWL_LOCK_DIR``, else ``<state>/locks``."""
    explicit = env.get("NEWSCRAWL_LOCK_DIR", "")
    return Path(explicit) if explicit else state_dir(env) / "locks"


def default_httpcache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Scrapy's HTTP cache (conditional GETs of feeds, sitemaps, start pages): absolute, so
    Scrapy never looks for ``scrapy.cfg`` to place it (and disables it when there is none).

    >>> str(default_httpcache_dir({"HOME": "/home/me"}))
    '/home/me/.cache/newscrawl/httpcache'
    """
    return cache_dir(env) / "httpcache"

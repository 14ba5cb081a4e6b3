"""Issue 13: a crawl behaves the same from any working directory and from any kind of install.

Before, run outside the repository root, ``newscrawl crawl`` ran without its HTTP cache (a
relative ``HTTPCACHE_DIR`` made Scrapy look for ``scrapy.cfg``, and disable the cache without
it: no conditional GETs), and a non-editable install looked for ``sources.toml`` beside
site-packages. Here newscrawl is installed from this checkout the way a user installs it (a
wheel into a fresh virtualenv, no editable link; its dependencies are this environment's,
through a ``.pth`` file, so nothing is downloaded) and run from an empty directory, next to
the editable install run from that directory too. For each: the bundled sources are found, and
a second crawl of a loopback source revalidates its feeds and sitemap (conditional GETs, 304)
with the cache in the per-user cache directory, and its run lock in the per-user state one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from sqlalchemy import select

from newscrawl.store.engine import create_engine
from newscrawl.store.schema import articles, crawl_runs
from tests.newsroomkit import ROOT, Newsroom, newsroom_fixture  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slow]

#: The Scrapy glue folders, installed inside the newscrawl package (pyproject.toml).
GLUE = ("spiders", "pipelines", "middlewares", "spidermiddlewares", "extensions", "engine")
#: What a wheel of newscrawl is built from.
PACKAGED = ("pyproject.toml", "README.md", "newscrawl", *GLUE)


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> Path:
    """A virtualenv with newscrawl installed from a wheel of this checkout; its ``bin``."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"  # a copy: building in the checkout would leave build/ and egg-info behind
    for name in PACKAGED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    # the dependencies (and setuptools to build with): this environment's, read-only
    Path(site, "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    wheels = tmp / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(wheels), str(src)],
        check=True,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", *map(str, wheels.glob("newscrawl-*.whl"))],
        check=True,
    )  # fmt: skip
    where = subprocess.run(
        [python, "-c", "import newscrawl.spiders as s; print(s.__file__, s.__spec__.parent)"],
        cwd=tmp, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert where.startswith(site), where  # the installed copy, not this checkout
    # the glue is inside the newscrawl package: nothing named `spiders`, `pipelines`... at the
    # top of site-packages to collide with another project's
    top_level = sorted(p.name for p in Path(site).iterdir() if not p.name.endswith("-info"))
    assert not set(GLUE) & set(top_level), top_level
    return venv / "bin"


def _user_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPY_"))}
    env.pop("PYTHONPATH", None)
    env.update(XDG_CACHE_HOME=str(home / "cache"), XDG_STATE_HOME=str(home / "state"))
    return env


@pytest.mark.parametrize("install", ["wheel", "editable"])
def test_crawl_from_elsewhere(install, wheel_venv, newsroom: Newsroom, tmp_path) -> None:
    bin_dir = wheel_venv if install == "wheel" else Path(sys.executable).parent
    newscrawl = str(bin_dir / "newscrawl")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # another Scrapy project's files and settings around: newscrawl uses its own
    (elsewhere / "scrapy.cfg").write_text("[settings]\ndefault = otherproject.settings\n")
    env = {**_user_env(tmp_path / "home"), "SCRAPY_SETTINGS_MODULE": "otherproject.settings"}

    # the bundled sources.toml is found (an unknown name is the only complaint)
    listed = subprocess.run([newscrawl, "crawl", "nosuch"], cwd=elsewhere, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert listed.returncode == 2
    assert "unknown sources: nosuch" in listed.stderr, listed.stderr

    database = tmp_path / "news.db"
    logs = []
    for run in (1, 2):
        mark = newsroom.mark()
        log = tmp_path / f"crawl-{run}.log"
        done = subprocess.run(
            [newscrawl, "crawl", "apnews", "--sources", str(newsroom.sources),
             "--database-url", f"sqlite:///{database}",
             "-s", f"NEWSCRAWL_ALLOWED_PRIVATE_HOSTS={newsroom.allowed_hosts}",
             "-s", "NEWSCRAWL_RENDER_JS=False", "-s", f"LOG_FILE={log}"],
            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        text = log.read_text() + done.stderr
        assert done.returncode == 0, text[-3000:]
        assert "Traceback" not in text
        assert "Disabled HttpCacheMiddleware" not in text, "HTTP cache switched off"
        logs.append(newsroom.requests_since(mark))
    assert sorted(p.name for p in elsewhere.iterdir()) == ["scrapy.cfg"]  # nothing written

    starts = {"/", "/hub/ap-top-news.atom", "/news-sitemap.xml"}
    second = {r["path"]: r for r in logs[1] if r["host"].startswith("127.0.0.3")}
    assert starts <= set(second), second
    for path in starts:  # revalidated from the cache: If-None-Match, 304 Not Modified
        assert second[path]["conditional"] and second[path]["status"] == 304, second[path]
    assert (tmp_path / "home/cache/newscrawl/httpcache/source").is_dir()
    assert list((tmp_path / "home/state/newscrawl/locks").glob("newscrawl-source_apnews-*"))

    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(articles.c.id)).all()
            runs = conn.execute(select(crawl_runs.c.stats).order_by(crawl_runs.c.id)).scalars()
            last = list(runs)[-1]
    finally:
        engine.dispose()
    assert stored
    assert last.get("httpcache/revalidate", 0) >= len(starts), last


def test_scrapy_crawl_from_elsewhere(wheel_venv, newsroom: Newsroom, tmp_path) -> None:
    """``scrapy crawl`` outside the checkout: SCRAPY_SETTINGS_MODULE names the project."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**_user_env(tmp_path / "home"), "SCRAPY_SETTINGS_MODULE": "newscrawl.settings"}
    log = tmp_path / "crawl.log"
    done = subprocess.run(
        [str(wheel_venv / "python"), "-m", "scrapy", "crawl", "news",
         "-a", f"start_urls={newsroom.url('apnews', '/news-sitemap.xml')}",
         "-s", f"DATABASE_URL=sqlite:///{tmp_path / 'news.db'}",
         "-s", f"NEWSCRAWL_ALLOWED_PRIVATE_HOSTS={newsroom.allowed_hosts}",
         "-s", "NEWSCRAWL_RENDER_JS=False", "-s", f"LOG_FILE={log}"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    text = log.read_text() + done.stderr
    assert done.returncode == 0, text[-3000:]
    assert "'httpcache/store'" in text  # the HTTP cache is on
    assert "newscrawl.spiders.commands.crawl" in text or "'item_scraped_count'" in text

"""Run a small test spider in a real Scrapy crawl, in a subprocess, and collect figures.

``run_crawl(start_urls, settings=..., follow=..., playwright=...)`` starts
``python tests/crawlkit.py`` with the project settings (so the project's middlewares
are what is tested), waits, and returns the crawl's stats, scraped items, download
failures, peak RSS and log. Item pipelines are switched off: these tests are about
what gets downloaded, not stored.

A *tripwire* downloader middleware runs last, just before the download handler: it
refuses (and records) any request whose host is not a loopback address, using only
the standard library. If the SSRF guard ever failed, the tripwire would stop the
request before a socket is opened and the test would see ``tripwire/leak``.
"""

from __future__ import annotations

import ipaddress
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


# --- the child side ---------------------------------------------------------------------


class TripwireMiddleware:
    """Last line of defence in tests: never let a request leave loopback."""

    def __init__(self, crawler: Any) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> TripwireMiddleware:
        return cls(crawler)

    @staticmethod
    def _is_loopback(host: str) -> bool:
        host = host.strip("[]")
        try:
            addresses = [ipaddress.ip_address(socket.inet_ntoa(socket.inet_aton(host)))]
        except OSError:
            try:
                addresses = [ipaddress.ip_address(host.split("%")[0])]
            except ValueError:
                try:
                    infos = socket.getaddrinfo(host, None)
                except OSError:
                    return True  # will not connect anywhere
                addresses = [ipaddress.ip_address(str(i[4][0]).split("%")[0]) for i in infos]
        for ip in addresses:
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
                ip = ip.ipv4_mapped
            if not (ip.is_loopback or ip.is_unspecified):
                return False
        return True

    def process_request(self, request: Any) -> None:
        from scrapy.exceptions import IgnoreRequest

        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and not self._is_loopback(parts.hostname or ""):
            self.stats.inc_value("tripwire/leak")
            raise IgnoreRequest(f"TRIPWIRE: {request.url} is not loopback")


def _spider_class() -> Any:
    import scrapy

    class ProbeSpider(scrapy.Spider):
        """Fetch the start URLs; optionally follow every link and feed item (any URL)."""

        name = "probe"

        def __init__(self, config: dict[str, Any], **kw: Any) -> None:
            super().__init__(**kw)
            self.config = config
            if config.get("allowed_domains"):
                self.allowed_domains = config["allowed_domains"]

        async def start(self):
            for url in self.config["start_urls"]:
                yield self._request(url)

        def _request(self, url: str) -> Any:
            meta = {"playwright": True} if self.config.get("playwright") else {}
            return scrapy.Request(url, callback=self.parse, errback=self.failed, meta=meta)

        def parse(self, response: Any) -> Any:
            item: dict[str, Any] = {"url": response.url, "status": response.status}
            if hasattr(response, "text"):
                item["h1"] = response.xpath("string(//h1)").get()
                item["byline"] = response.xpath("string(//*[@class='byline'])").get()
                item["has_fffd"] = "\ufffd" in response.text
                item["encoding"] = response.encoding
            item["size"] = len(response.body)
            if self.config.get("extract") and hasattr(response, "text"):
                item.update(_extract(response))
            yield item
            if not self.config.get("follow") or not hasattr(response, "text"):
                return
            links = response.xpath("//a/@href | //item/link/text()").getall()
            for link in links:
                yield self._request(response.urljoin(link.strip()))

        def failed(self, failure: Any) -> None:
            self.crawler.stats.inc_value(f"probe/failure/{failure.type.__name__}")
            self.failures.append({"url": failure.request.url, "type": failure.type.__name__})

        failures: ClassVar[list[dict[str, str]]] = []

    return ProbeSpider


def _extract(response: Any) -> dict[str, Any]:
    """What the project's extract + normalize make of ``response.text``."""
    from newscrawl.extract import extract_article
    from newscrawl.normalize import normalize_article

    try:
        article = extract_article(response.text, response.url)
        return {"article": normalize_article(article).to_dict()}
    except Exception as exc:
        return {"extract_error": f"{type(exc).__name__}: {exc}"}


def _probe_settings(config: dict[str, Any]) -> Any:
    """The project settings as the probe crawls with them: no item pipelines, no HTTP cache,
    the test's settings on top and the tripwire last."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    # as in the child, whose environment has no NEWSCRAWL_ALLOWED_PRIVATE_HOSTS
    settings.set("NEWSCRAWL_ALLOWED_PRIVATE_HOSTS", [], priority="cmdline")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("TELNETCONSOLE_ENABLED", False, priority="cmdline")
    settings.set("LOG_LEVEL", config.get("log_level", "INFO"), priority="cmdline")
    settings.set("HTTPCACHE_ENABLED", False, priority="cmdline")
    overrides = dict(config.get("settings", {}))
    # DOWNLOADER_MIDDLEWARES given by a test are merged into the project's, plus the tripwire
    mws = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    mws.update(overrides.pop("DOWNLOADER_MIDDLEWARES", {}))
    mws["tests.crawlkit.TripwireMiddleware"] = 999
    settings.set("DOWNLOADER_MIDDLEWARES", mws, priority="cmdline")
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings


def _child(config_path: str) -> None:
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    config = json.loads(Path(config_path).read_text())
    settings = _probe_settings(config)
    items: list[dict[str, Any]] = []
    process = CrawlerProcess(settings)
    spider_cls = _spider_class()
    crawler = process.create_crawler(spider_cls)

    def collect(item: Any) -> None:
        items.append(dict(item))

    # connect() keeps a weak reference: ``collect`` stays alive in this frame
    crawler.signals.connect(collect, signal=signals.item_scraped)
    started = time.time()
    process.crawl(crawler, config=config)
    process.start()
    result = {
        "stats": {
            k: (v if isinstance(v, int | float) else str(v))
            for k, v in (crawler.stats.get_stats() or {}).items()
        },
        "items": items,
        "failures": spider_cls.failures,
        "peak_rss_mb": _own_peak_rss_kb() / 1024,
        "seconds": time.time() - started,
    }
    Path(config["result_path"]).write_text(json.dumps(result))


def proc_figures(pid: int | str, name: str, *keys: str) -> dict[str, int]:
    """The kB figures after each of ``keys`` (``"Pss:"``…) in ``/proc/<pid>/<name>``
    (``status``, ``smaps_rollup``), read once; a missing line or a process that is gone
    leaves its key out."""
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            key = line.split(":", 1)[0] + ":"
            if key in keys:
                found[key] = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return found


def proc_kb(pid: int | str, name: str, key: str) -> int | None:
    """One figure of :func:`proc_figures`, None when it cannot be read."""
    return proc_figures(pid, name, key).get(key)


def _own_peak_rss_kb() -> int:
    """This process's peak RSS since it started (``VmHWM``), not ``ru_maxrss``: Linux keeps
    the larger of the forking parent's RSS and our own there across ``execve``, so a crawl
    started by a pytest process that has grown to 500 MB would report 500 MB."""
    peak = proc_kb("self", "status", "VmHWM:")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss if peak is None else peak


# --- the pytest side --------------------------------------------------------------------


@dataclass
class CrawlResult:
    stats: dict[str, Any]
    items: list[dict[str, Any]]
    failures: list[dict[str, str]]
    peak_rss_mb: float
    seconds: float
    log: str = ""
    returncode: int = 0
    tree_peak_rss_mb: float = 0.0
    #: peak summed anonymous memory of the crawl and the browser: what the crawl itself
    #: allocated, whatever else runs on the machine
    tree_peak_anonymous_mb: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def stat(self, key: str) -> int:
        return int(self.stats.get(key, 0))

    def stats_with_prefix(self, prefix: str) -> dict[str, Any]:
        return {k: v for k, v in self.stats.items() if k.startswith(prefix)}


def run_crawl(
    start_urls: list[str],
    *,
    settings: dict[str, Any] | None = None,
    follow: bool = False,
    playwright: bool = False,
    extract: bool = False,
    allowed_domains: list[str] | None = None,
    timeout: float = 240,
) -> CrawlResult:
    """Crawl in a fresh Python process with the project settings plus ``settings``."""
    with tempfile.TemporaryDirectory() as tmp:
        config: dict[str, Any] = {
            "start_urls": start_urls,
            "settings": settings or {},
            "follow": follow,
            "playwright": playwright,
            "extract": extract,
            "allowed_domains": allowed_domains,
            "result_path": str(Path(tmp) / "result.json"),
        }
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        env = dict(os.environ, PYTHONPATH=str(ROOT), SCRAPY_SETTINGS_MODULE="newscrawl.settings")
        env.pop("NEWSCRAWL_ALLOWED_PRIVATE_HOSTS", None)
        log_path = Path(tmp) / "crawl.log"
        with log_path.open("w") as log_file:
            proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), str(config_path)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log_file,
            )
            tree_peak_mb, tree_anonymous_mb = _wait_sampling_rss(proc, timeout)
        log = log_path.read_text(errors="replace")
        result_file = Path(config["result_path"])
        if not result_file.exists():
            raise AssertionError(f"crawl failed (rc={proc.returncode}):\n{log[-5000:]}")
        data = json.loads(result_file.read_text())
    return CrawlResult(log=log, returncode=proc.returncode, tree_peak_rss_mb=tree_peak_mb,
                       tree_peak_anonymous_mb=tree_anonymous_mb, **data)  # fmt: skip


def crawl_here(
    reactor: Any,
    start_urls: list[str],
    *,
    settings: dict[str, Any] | None = None,
    follow: bool = False,
    playwright: bool = False,
    extract: bool = False,
    allowed_domains: list[str] | None = None,
    timeout: float = 120,
) -> CrawlResult:
    """:func:`run_crawl`'s crawl in this process, on the session's ``reactor`` fixture
    (:mod:`tests.reactorkit`): the same spider, settings and tripwire, seconds faster. Its
    memory figures are 0: a test about memory runs :func:`run_crawl`."""
    from scrapy import signals

    from tests.reactorkit import crawl

    config: dict[str, Any] = {"start_urls": start_urls, "settings": settings or {},
                              "follow": follow, "playwright": playwright, "extract": extract,
                              "allowed_domains": allowed_domains}  # fmt: skip
    items: list[dict[str, Any]] = []
    spider_cls = _spider_class()

    def collect(item: Any) -> None:
        items.append(dict(item))

    def prepare(crawler: Any) -> None:
        crawler.signals.connect(collect, signal=signals.item_scraped, weak=False)

    started = time.time()
    crawled = crawl(reactor, spider_cls, _probe_settings(config), timeout=timeout,
                    prepare=prepare, config=config)  # fmt: skip
    return CrawlResult(
        stats=crawled.stats, items=items, failures=spider_cls.failures, peak_rss_mb=0.0,
        seconds=time.time() - started, log=crawled.log, returncode=crawled.returncode,
    )  # fmt: skip


def pss_kb(pid: int) -> int:
    """Proportional set size (shared pages split between the processes sharing them), so
    that summing chromium's many processes does not count its shared memory many times;
    plain RSS where PSS is not available."""
    found = proc_kb(pid, "smaps_rollup", "Pss:")
    return found if found is not None else proc_kb(pid, "status", "VmRSS:") or 0


def _pss_and_anonymous_kb(pid: int) -> tuple[int, int]:
    """PSS (as :func:`pss_kb`) and anonymous memory (heap, stacks, buffers: what a process
    allocates, not the files it maps), from one read of ``smaps_rollup``. Unlike PSS or
    private memory, anonymous memory does not shrink when another browser elsewhere on the
    machine maps the same chromium binary, so two crawls measured while other tests run
    compare what each crawl itself allocated."""
    figures = proc_figures(pid, "smaps_rollup", "Pss:", "Anonymous:")
    pss = figures["Pss:"] if "Pss:" in figures else pss_kb(pid)
    return pss, figures.get("Anonymous:", 0)


def descendants_running(root: int, command_part: bytes) -> list[int]:
    """The processes below ``root`` whose command line contains ``command_part``."""
    found = []
    for pid in _descendants(root) - {root}:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if command_part in cmdline:
            found.append(pid)
    return found


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _wait_sampling_rss(proc: subprocess.Popen[bytes], timeout: float) -> tuple[float, float]:
    """Wait for the crawl; return the peak summed PSS and the peak summed anonymous memory
    (MB) of it and its children (the browser included), sampled every 0.2 s."""
    deadline, peak_pss, peak_anonymous = time.monotonic() + timeout, 0, 0
    while proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError(f"crawl did not finish in {timeout} s")
        figures = [_pss_and_anonymous_kb(pid) for pid in _descendants(proc.pid)]
        peak_pss = max(peak_pss, sum(pss for pss, _ in figures))
        peak_anonymous = max(peak_anonymous, sum(anonymous for _, anonymous in figures))
        time.sleep(0.2)
    return peak_pss / 1024, peak_anonymous / 1024


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    _child(sys.argv[1])


@contextmanager
def generated_site(articles: int, log: Path, *options: str) -> Iterator[str]:
    """``bench/siteserver.py`` with ``articles`` generated pages, requests logged to ``log``;
    yields its base URL and stops it afterwards."""
    cmd = [sys.executable, str(ROOT / "bench" / "siteserver.py"), "--articles", str(articles),
           *options, "--log", str(log)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ready = proc.stdout.readline().split()
        assert ready[0] == "READY", ready
        yield f"http://127.0.0.1:{ready[1]}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def generated_site_crawl(base: str, tmp_path: Path, database: Path, **settings: Any) -> list[str]:
    """The command line of ``scrapy crawl news`` over :func:`generated_site`'s sitemap into the
    SQLite file ``database``: loopback allowed, no HTTP cache, no AutoThrottle, no browser, no
    extraction worker processes; ``settings`` add to or override those. Run it with
    ``cwd=ROOT``."""
    every = {
        "DATABASE_URL": f"sqlite:///{database}",
        "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
        "NEWSCRAWL_LOCK_DIR": tmp_path / "locks",
        "NEWSCRAWL_RENDER_JS": False,
        "NEWSCRAWL_EXTRACT_WORKERS": 0,
        "HTTPCACHE_ENABLED": False,
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        **settings,
    }
    args = [arg for key, value in every.items() for arg in ("-s", f"{key}={value}")]
    return [sys.executable, "-m", "scrapy", "crawl", "news",
            "-a", f"start_urls={base}/sitemap.xml", *args]  # fmt: skip

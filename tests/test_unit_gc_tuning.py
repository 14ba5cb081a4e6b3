"""extensions/gc_tuning: start-up objects frozen and collector thresholds raised at engine start."""

from __future__ import annotations

import gc

import pytest
from newscrawl.extensions.gc_tuning import GcTuning
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler


@pytest.fixture
def restored_gc():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def crawler_with(**settings):
    project = get_project_settings()
    return get_crawler(settings_dict={"EXTENSIONS": project.getdict("EXTENSIONS"), **settings})


def test_engine_started_freezes_and_raises_thresholds(restored_gc) -> None:
    crawler = crawler_with(NEWSCRAWL_GC_THRESHOLDS=[40_000, 15, 12])
    GcTuning.from_crawler(crawler)
    assert gc.get_freeze_count() == 0
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold() == (40_000, 15, 12)
    assert gc.get_freeze_count() > 10_000  # Scrapy, Twisted, lxml wrappers... all frozen


def test_engine_stopped_gives_the_process_its_collector_back(restored_gc) -> None:
    before = gc.get_threshold()
    crawler = crawler_with(NEWSCRAWL_GC_THRESHOLDS=[40_000, 15, 12])
    GcTuning.from_crawler(crawler)
    crawler.signals.send_catch_log(signals.engine_started)
    crawler.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_project_default_thresholds(restored_gc) -> None:
    crawler = crawler_with()
    GcTuning.from_crawler(crawler)
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold() == (50_000, 20, 20)


def test_off_switch_and_bad_values() -> None:
    with pytest.raises(NotConfigured):
        GcTuning.from_crawler(crawler_with(NEWSCRAWL_GC_TUNING=False))
    with pytest.raises(ValueError, match="three positive integers"):
        GcTuning.from_crawler(crawler_with(NEWSCRAWL_GC_THRESHOLDS=[1000, 0]))


def test_project_settings_enable_it() -> None:
    assert "newscrawl.extensions.gc_tuning.GcTuning" in get_project_settings().getdict("EXTENSIONS")

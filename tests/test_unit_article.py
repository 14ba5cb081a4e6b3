from datetime import UTC, datetime

from itemadapter import ItemAdapter

from newscrawl.article import CONTRACT_FIELDS, Article, Image


def test_json_form_has_exactly_the_contract_fields_and_round_trips():
    article = Article(
        url="https://example.com/a",
        headline="H",
        authors=["Jane Doe"],
        published_at=datetime(2023, 5, 12, 9, 30, tzinfo=UTC),
        images=[Image(url="https://example.com/i.jpg", caption="c", credit="AP")],
        hints={"site_names": ["Example"]},
    )
    data = article.to_dict()
    assert tuple(data) == CONTRACT_FIELDS
    assert data["published_at"] == "2023-05-12T09:30:00+00:00"
    assert data["images"][0]["credit"] == "AP"
    again = Article.from_dict(data)
    assert again.to_dict() == data
    assert again.hints == {}


def test_crawl_state_is_not_a_field_but_survives_what_needs_it():
    """Hints, normalization outcomes and the preparation travel with the item (pickled to and
    from extraction workers), the spool keeps the hints de-duplication needs, and a lease
    mark rides in the hints; none of it is a field itemadapter (or a feed export) sees."""
    import pickle

    from newscrawl.dedupe.prepare import prepare
    from newscrawl.distributed.acks import mark_item, take_mark
    from newscrawl.store.spool import KEPT_HINTS, from_line, to_line

    article = Article(
        url="https://www.inkl.com/news/a",
        headline="H",
        body="Some text.",
        hints={"original_url": "https://www.independent.co.uk/a", "aggregator": "inkl", "x": 1},
    )
    article.normalized = {"newscrawl/normalize/headline/ok": 1}
    article.prepared = prepare(article)
    assert list(ItemAdapter(article).field_names()) == list(CONTRACT_FIELDS)
    assert "hints" not in ItemAdapter(article).asdict()

    again = pickle.loads(pickle.dumps(article))
    assert (again.hints, again.normalized, again.prepared) == (
        article.hints,
        article.normalized,
        article.prepared,
    )

    spooled = from_line(to_line(article))
    assert isinstance(spooled, Article)
    assert spooled.hints == {k: v for k, v in article.hints.items() if k in KEPT_HINTS}
    assert spooled.prepared is None and spooled.normalized is None  # made again on replay
    assert prepare(spooled).original_url == "https://www.independent.co.uk/a"

    assert mark_item(article, "lease-1") and take_mark(article) == "lease-1"
    assert "hints" not in ItemAdapter(article).asdict()

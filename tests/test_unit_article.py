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


def test_article_is_an_itemadapter_item():
    adapter = ItemAdapter(Article(url="https://example.com/a"))
    adapter["headline"] = "Set through itemadapter"
    assert adapter.item.headline == "Set through itemadapter"

"""The standard's pages: a company's page open to anyone, the programme page for an observer only."""

import datetime

import pytest
import time_machine
from django.test import Client

from standards import services
from tests.standards.test_badge import NOW, record  # noqa: F401 - the fixture
from tests.standards.test_programme import observer, october  # noqa: F401 - the fixtures


def test_a_company_page_explains_every_indicator_and_the_badge(company, record):  # noqa: F811
    services.standing_update(company_id=company.pk, now=NOW)
    page = Client().get(f"/companies/{company.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert company.name in html and 'id="badge"' in html and "妈妈岗规范企业" in html
    assert html.count('<li id="indicator-') == 10
    assert "按时结算 100% · 实测时薪 ¥30" in html
    assert "数据太少" in html or "还不够" in html  # appeals, releases: too few to tell


def test_a_company_without_a_record_says_too_few(company):
    html = Client().get(f"/companies/{company.pk}/").content.decode()
    assert 'class="standard-badge none"' in html
    assert Client().get("/companies/999999/").status_code == 404


def test_the_programme_page(observer, october):  # noqa: F811
    client = Client()
    client.force_login(observer)
    with time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC), tick=False):
        page = client.get("/programme/", {"from": "2026-10", "to": "2026-11"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="figures-table"' in html and 'id="chart-mothers"' in html
    assert html.count('class="suppressed"') == 3  # 东莞 and 广州 in October, 佛山 in November
    assert "format=csv" in html
    wrong = client.get("/programme/", {"region": "北京市"})
    assert wrong.status_code == 400


@pytest.mark.parametrize("who", ["anonymous", "mother"])
def test_others_do_not_see_the_programme_page(who, mother):
    client = Client()
    if who == "mother":
        client.force_login(mother)
        assert client.get("/programme/").status_code == 403
    else:
        answer = client.get("/programme/")
        assert answer.status_code == 302 and answer["Location"].startswith("/signin/")


def test_an_observer_lands_on_her_page(observer):  # noqa: F811
    client = Client()
    client.force_login(observer)
    assert client.get("/")["Location"] == "/programme/"

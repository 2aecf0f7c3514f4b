"""The standard's pages: a company's page open to anyone, the programme page for an observer only."""

import datetime

import pytest
import time_machine
from django.test import Client

from standards import services
from standards.models import CompanyStanding
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


def test_a_company_not_measured_yet_is_measured_for_a_signed_in_visitor_only(company, mother):
    html = Client().get(f"/companies/{company.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'class="standard-badge none"' in html and "每小时" in html
    assert not CompanyStanding.objects.exists()  # an anonymous visit makes the server measure nothing
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(mother)
    html = client.get(f"/companies/{company.pk}/").content.decode()
    assert html.count('<li id="indicator-') == 10 and "数据太少" in html
    assert CompanyStanding.objects.filter(company=company).exists()
    assert Client().get("/companies/999999/").status_code == 404


def test_a_stored_indicator_this_version_no_longer_measures_is_left_out(company, record):  # noqa: F811
    standing = services.standing_update(company_id=company.pk, now=NOW)
    CompanyStanding.objects.filter(pk=standing.pk).update(
        indicators=[*standing.indicators, {"key": "gone", "value": 1, "met": True, "enough": True, "detail": {}}]
    )
    assert Client().get(f"/companies/{company.pk}/").status_code == 200


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

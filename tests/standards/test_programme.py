"""The programme figures: by city and month, no cell of fewer than 5 mothers shown, nor one a total
would give away (complementary suppression); an observer sees her regions only, and no person."""

import csv
import datetime
import io

import pytest

from core.errors import DomainError
from standards import programme, regions, services
from tests import factories
from tests.conftest import api_for, download
from tests.standards.history import History, at
from workers.models import WorkerProfile

OCTOBER = [datetime.date(2026, 10, d) for d in range(5, 31) if datetime.date(2026, 10, d).weekday() < 5]
NOW = at(datetime.date(2026, 11, 30), 12)


def mothers_in(region: str, n: int) -> list:
    found = [factories.mother() for _ in range(n)]
    WorkerProfile.objects.filter(user__in=found).update(region=region, city="")
    return found


@pytest.fixture
def observer(db):
    user = factories.UserFactory()
    services.programme_observer_save(actor=None, user_id=user.pk, body="广东省妇女联合会", regions=["广东省"])
    return user


@pytest.fixture
def october(company, supervisor):
    """October: 6 mothers of 佛山, 5 of 广州, 2 of 东莞, each one brief (¥15) in 30 minutes; November:
    3 of 佛山."""
    history = History(company, supervisor, tasks=20)
    people = {
        "佛山市": mothers_in("广东省佛山市", 6),
        "广州市": mothers_in("广州市", 5),
        "东莞市": mothers_in("广东省东莞市", 2),
    }
    day = iter(OCTOBER * 2)
    for mothers in people.values():
        for mother in mothers:
            history.piece(at(next(day), 9), worker=mother)
    for mother in people["佛山市"][:3]:
        history.piece(at(datetime.date(2026, 11, 3), 9), worker=mother)
    return people


def test_small_cells_and_the_one_that_would_give_them_away_are_suppressed(october):
    months = [datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)]
    found = programme.figures(region="广东省", months=months, now=NOW)
    rows = {(r["month"], r["region"]): r for r in found["rows"]}
    foshan = rows[("2026-10", "佛山市")]
    assert (foshan["suppressed"], foshan["mothers"], foshan["hand_ins"], foshan["earnings_total"]) == (
        False,
        6,
        6,
        "90.00",
    )
    # A median or quartiles of 6 would be a mother's own pay: they need 10 earners.
    assert (foshan["earnings_median"], foshan["earnings_q1"], foshan["earnings_q3"]) == (None, None, None)
    assert foshan["hours"] == 3.0 and foshan["at_floor_share"] == 1.0
    # 东莞 has 2 mothers; 广州's 5 would be the total minus 佛山 minus nothing else: hidden with it.
    for city in ("东莞市", "广州市"):
        assert rows[("2026-10", city)] == {"month": "2026-10", "region": city, "suppressed": True} | dict.fromkeys(
            programme.FIGURES
        )
    totals = {t["month"]: t for t in found["totals"]}
    assert (totals["2026-10"]["suppressed"], totals["2026-10"]["mothers"]) == (False, 13)
    # November: 3 mothers in all, nothing is shown, not even the total.
    assert rows[("2026-11", "佛山市")]["suppressed"] is True
    assert totals["2026-11"]["suppressed"] is True and totals["2026-11"]["mothers"] is None


@pytest.mark.parametrize(
    ("cities", "shown"),
    [
        ({"a": 9, "b": 7, "c": 6}, {"a", "b", "c"}),
        ({"a": 9, "b": 7, "c": 2}, {"a"}),  # one hidden: the next smallest goes with it
        ({"a": 9, "b": 7, "c": 2, "d": 2}, {"a"}),  # two hidden, 4 mothers together: still too few
        ({"a": 9, "b": 3, "c": 2}, {"a"}),  # two hidden, 5 together: the total may stand
        ({"a": 2, "b": 2}, set()),
    ],
)
def test_complementary_suppression(cities, shown):
    assert programme._suppressed(cities, sum(cities.values())) == shown


def test_a_city_is_its_own_region_too(october):
    found = programme.figures(region="佛山市", months=[datetime.date(2026, 10, 1)], now=NOW)
    assert [(r["region"], r["mothers"]) for r in found["rows"]] == [("佛山市", 6)]
    assert found["totals"][0]["mothers"] == 6


def test_a_city_hidden_in_its_province_stays_hidden_asked_for_alone(october):
    """广州 (5 mothers) is hidden in 广东省's table so that 东莞 (2) cannot be worked out from the total:
    asked for alone it must not appear either, or the two answers would give 东莞 away."""
    months = [datetime.date(2026, 10, 1)]
    for city in ("广州市", "东莞市"):
        found = programme.figures(region=city, months=months, now=NOW)
        assert [r["suppressed"] for r in found["rows"]] == [True]
        assert found["totals"][0]["suppressed"] is True and found["totals"][0]["mothers"] is None
        assert found["companies"] == []


def test_companies_are_listed_only_behind_shown_figures(october, company):
    november = programme.figures(region="广东省", months=[datetime.date(2026, 11, 1)], now=NOW)
    assert november["companies"] == []  # 3 mothers in all: nothing shown, no company named
    october_found = programme.figures(region="广东省", months=[datetime.date(2026, 10, 1)], now=NOW)
    assert [c["id"] for c in october_found["companies"]] == [company.pk]


def test_everyone_behind_a_figure_counts_towards_the_threshold(company, supervisor, finance):
    """Pay of mothers who handed nothing in that month (a bonus) still makes them count: a cell of 4
    hand-ins and 1 bonus is 5 mothers, not 4 with someone else's money inside."""
    history = History(company, supervisor, tasks=10)
    workers = mothers_in("广东省佛山市", 5)
    for worker in workers[:4]:
        history.piece(at(OCTOBER[0], 9), worker=worker)
    history.credit(finance, workers[4], at(OCTOBER[1], 10))
    found = programme.figures(region="广东省", months=[datetime.date(2026, 10, 1)], now=NOW)
    assert found["totals"][0]["mothers"] == 5


def test_the_api_answers_an_observer_for_her_regions_only(observer, october):
    client = api_for(observer)
    answer = client.get("/api/v1/programme/figures", {"from": "2026-10", "to": "2026-11"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["region"], body["regions"], body["min_mothers"]) == ("广东省", ["广东省"], 5)
    assert body["companies"] and body["companies"][0]["name"]

    city = client.get("/api/v1/programme/figures", {"region": "广东省佛山市", "from": "2026-10", "to": "2026-10"})
    assert city.status_code == 200 and city.json()["region"] == "佛山市"

    elsewhere = client.get("/api/v1/programme/figures", {"region": "北京市"})
    assert (elsewhere.status_code, elsewhere.json()["error"]["code"]) == (403, "region_outside_programme")
    for bad in (
        {"from": "2026-13"},
        {"from": "2026-11", "to": "2026-10"},
        {"from": "2020-01", "to": "2026-10"},
        {"to": "0001-01"},
        {"from": "9999-12", "to": "9999-12"},
        {"from": "２０２６-１０"},
    ):
        refused = client.get("/api/v1/programme/figures", bad)
        assert (refused.status_code, refused.json()["error"]["code"]) == (400, "invalid_month"), bad


def test_no_person_in_the_figures(observer, october):
    body = api_for(observer).get("/api/v1/programme/figures", {"from": "2026-10", "to": "2026-11"}).content.decode()
    for mothers in october.values():
        for mother in mothers:
            profile = WorkerProfile.objects.get(user=mother)
            assert profile.display_name not in body
            assert mother.phone[-8:] not in body


def test_only_an_observer_reads_them(supervisor, mother, october):
    for user in (supervisor, mother):
        answer = api_for(user).get("/api/v1/programme/figures")
        assert (answer.status_code, answer.json()["error"]["code"]) == (403, "not_programme_observer")
    assert api_for().get("/api/v1/programme/figures").status_code == 401


def test_the_export_keeps_the_suppression(observer, october):
    status, _response, body = download(observer, "/api/v1/programme/figures/export?format=csv&from=2026-10&to=2026-10")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    by_region = {row["region"]: row for row in rows}
    assert by_region["佛山市"]["mothers"] == "6"
    assert by_region["东莞市"]["suppressed"] == "TRUE" and by_region["东莞市"]["mothers"] == ""
    assert by_region["广州市"]["mothers"] == ""
    assert by_region["广东省 合计"]["mothers"] == "13"
    status, _response, body = download(observer, "/api/v1/programme/figures/export?format=xlsx&from=2026-10&to=2026-10")
    assert status == 200 and body[:2] == b"PK"
    status, _response, body = download(observer, "/api/v1/programme/figures/export?format=pdf")
    assert status == 400


def test_an_observer_is_nobodys_staff_and_no_mother(mother, supervisor):
    for user in (mother, supervisor):
        with pytest.raises(DomainError) as refused:
            services.programme_observer_save(actor=None, user_id=user.pk, body="妇联", regions=["广东省"])
        assert refused.value.code == "observer_has_other_role"
    with pytest.raises(DomainError) as refused:
        services.programme_observer_save(actor=None, user_id=factories.UserFactory().pk, body="妇联", regions=[" "])
    assert refused.value.code == "observer_regions_missing"


@pytest.mark.parametrize(
    ("region", "city", "place", "in_guangdong"),
    [
        ("广东省", "佛山市", "佛山市", True),
        ("广东省佛山市", "", "佛山市", True),
        ("佛山", "", "佛山市", True),
        ("广东省", "", "广东省（未注明城市）", True),
        ("北京市", "", "北京市", False),
        ("山东省青岛市", "", "青岛市", False),
        ("", "", "", False),
        ("山东省青岛市中山路", "", "青岛市", False),  # a street named after 中山, not 中山市
        ("辽宁省大连市中山区", "", "辽宁省大连市中山区", False),
        ("北京市", "广州路", "北京市", False),
        ("", "佛山南海区", "佛山市", True),
    ],
)
def test_where_a_mother_counts(region, city, place, in_guangdong):
    assert regions.place_of(region, city) == place
    assert regions.within(place, "广东省") is in_guangdong

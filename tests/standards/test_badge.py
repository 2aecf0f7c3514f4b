"""The badge 妈妈岗规范企业: earned when a record spanning the whole 90 days meets every indicator, lost
when one falls below its threshold; kept with the date it was earned; shown by the API to anyone signed in."""

import datetime

import pytest

from accounts.models import Role
from standards import indicators, services
from standards.models import CompanyStanding
from tests import factories
from tests.conftest import api_for
from tests.standards.history import History, at

NOW = at(datetime.date(2026, 11, 30), 12)
FIRST_HALF = [datetime.date(2026, 10, d) for d in range(5, 15) if datetime.date(2026, 10, d).weekday() < 5]


def good_record(company, supervisor, finance) -> History:
    """A good record: 20 briefs at ¥30/h reviewed in two hours (in school hours), all paid on 16 October,
    and a first hand-in in August, before the window."""
    history = History(company, supervisor)
    history.piece(at(datetime.date(2026, 8, 20), 9))
    for i in range(20):
        history.piece(at(FIRST_HALF[i % len(FIRST_HALF)], 9 + i % 3))
    approver = factories.staff(company, Role.FINANCE)
    history.pay(
        finance, approver, at(datetime.date(2026, 9, 1), 10), (datetime.date(2026, 8, 16), datetime.date(2026, 8, 31))
    )
    history.pay(
        finance,
        approver,
        at(datetime.date(2026, 10, 16), 10),
        (datetime.date(2026, 10, 1), datetime.date(2026, 10, 15)),
    )
    return history


@pytest.fixture
def record(company, supervisor, finance):
    return good_record(company, supervisor, finance)


def test_a_record_meeting_every_indicator_carries_the_badge(company, record):
    found = indicators.measure(company.pk, now=NOW)
    not_met = [i["key"] for i in found["indicators"] if i["met"] is False]
    assert not_met == []
    assert found["spans_window"] is True
    assert found["badge"] is True
    # Appeals and releases are rare: too few of them do not keep the badge away.
    rare = {i["key"]: i["enough"] for i in found["indicators"] if not indicators.RULE_OF[i["key"]].required}
    assert rare == {"appeals_overturned": False, "releases_honoured": False}


def test_one_indicator_below_its_threshold_takes_the_badge_away(company, record):
    for i in range(4):  # 4 of 25 decisions reject: 16%, past the 15%
        record.piece(at(FIRST_HALF[i], 14), decision="reject")
    found = indicators.measure(company.pk, now=NOW)
    assert [i["key"] for i in found["indicators"] if i["met"] is False] == ["rejected"]
    assert found["badge"] is False


def test_a_record_younger_than_the_window_earns_no_badge(company, supervisor, finance):
    history = History(company, supervisor)
    for i in range(20):
        history.piece(at(FIRST_HALF[i % len(FIRST_HALF)], 9))
    history.pay(
        finance,
        factories.staff(company, Role.FINANCE),
        at(datetime.date(2026, 10, 16), 10),
        (datetime.date(2026, 10, 1), datetime.date(2026, 10, 15)),
    )
    found = indicators.measure(company.pk, now=NOW)
    assert all(i["met"] is not False for i in found["indicators"])
    assert (found["spans_window"], found["badge"]) == (False, False)


def test_a_required_indicator_with_too_few_events_earns_no_badge(company, supervisor):
    History(company, supervisor).piece(at(datetime.date(2026, 8, 20), 9))
    found = indicators.measure(company.pk, now=NOW)
    assert found["spans_window"] is True
    assert found["badge"] is False


def test_the_standing_keeps_when_the_badge_was_earned(company, record):
    first = services.standing_update(company_id=company.pk, now=NOW)
    assert (first.badge, first.badge_since) == (True, NOW)
    later = services.standing_update(company_id=company.pk, now=NOW + datetime.timedelta(hours=1))
    assert later.badge_since == NOW
    for i in range(4):
        record.piece(at(FIRST_HALF[i], 14), decision="reject")
    lost = services.standing_update(company_id=company.pk, now=NOW + datetime.timedelta(hours=2))
    assert (lost.badge, lost.badge_since) == (False, None)
    assert CompanyStanding.objects.count() == 1


def test_anyone_signed_in_reads_a_companys_standard(company, record, other_mother):
    services.standing_update(company_id=company.pk, now=NOW)
    answer = api_for(other_mother).get(f"/api/v1/companies/{company.pk}/quality")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["company"], body["badge"], body["window_days"]) == (company.pk, True, 90)
    pay = next(i for i in body["indicators"] if i["key"] == "hourly_pay")
    assert pay["display"] == "¥30" and pay["met"] is True and pay["threshold"]
    rare = next(i for i in body["indicators"] if i["key"] == "appeals_overturned")
    assert (rare["value"], rare["met"], rare["enough"], rare["display"]) == (None, None, False, "")


def test_the_standard_is_measured_on_first_asking(company, other_mother):
    answer = api_for(other_mother).get(f"/api/v1/companies/{company.pk}/quality")
    assert answer.status_code == 200
    assert answer.json()["badge"] is False
    assert CompanyStanding.objects.filter(company=company).exists()


def test_signed_out_or_unknown_company(company, other_mother):
    assert api_for().get(f"/api/v1/companies/{company.pk}/quality").status_code == 401
    missing = api_for(other_mother).get("/api/v1/companies/999999/quality")
    assert missing.status_code == 404

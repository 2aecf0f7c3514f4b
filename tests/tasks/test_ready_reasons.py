"""A company's own ready reasons, per kind of work: set on /work/reasons/ by its supervisors, offered on
its review page and by the API instead of the built-in ones, refused in words when wrong (nothing
changed), and back to the built-in ones on request. Another company's are not seen or used."""

import re

import pytest
from django.test import Client

from accounts.models import AuditEntry, Role
from core.errors import Forbidden, Invalid, NotFound
from tasks import reasons, services
from tasks.models import Kind, ReadyReason, Review
from tests import factories
from tests.conftest import api_for
from tests.snapshots import world

OWN = {"reject": ["文案里有错别字", "没有用到指定关键词"], "revise": ["请把开头写得更吸引人"], "partial": []}


def test_its_own_reasons_replace_the_built_in_ones_for_that_kind_only(supervisor, company):
    services.ready_reasons_set(actor=supervisor, company_id=company.pk, kind=Kind.COPYWRITING, reasons=OWN)

    own = reasons.ready_reasons(company.pk, Kind.COPYWRITING)
    assert [text for _key, text in own["reject"]] == OWN["reject"] and own["partial"] == []
    assert reasons.reason_text(company.pk, own["revise"][0][0]) == "请把开头写得更吸引人"
    # Assembly keeps the built-in ones; another company sees nothing of these.
    assert reasons.ready_reasons(company.pk, Kind.ASSEMBLY)["reject"][0][0] == "reject:0"
    other = factories.CompanyFactory()
    assert reasons.reason_text(other.pk, own["revise"][0][0]) == ""
    assert AuditEntry.objects.filter(action="reasons.set", company_id=company.pk).count() == 1


@pytest.mark.parametrize(
    "given",
    [
        {"reject": ["x" * 201]},
        {"reject": ["一", "二", "三", "四", "五", "六", "七"]},
        {"approve": ["好"]},
        {"reject": "不是列表"},
        {"reject": [5]},
        {"reject": ["有\x00空字符"]},
        "not a dict",
    ],
)
def test_wrong_reasons_are_refused_and_nothing_changes(supervisor, company, given):
    services.ready_reasons_set(actor=supervisor, company_id=company.pk, kind=Kind.COPYWRITING, reasons=OWN)
    before = world()

    with pytest.raises(Invalid):
        services.ready_reasons_set(actor=supervisor, company_id=company.pk, kind=Kind.COPYWRITING, reasons=given)

    assert world() == before and ReadyReason.objects.count() == 3


def test_only_its_supervisors_and_admins_set_them(company, mother):
    finance = factories.staff(company, Role.FINANCE)
    with pytest.raises(Forbidden):
        services.ready_reasons_set(actor=finance, company_id=company.pk, kind=Kind.ASSEMBLY, reasons=OWN)
    with pytest.raises(NotFound):
        services.ready_reasons_set(actor=mother, company_id=company.pk, kind=Kind.ASSEMBLY, reasons=OWN)
    assert ReadyReason.objects.count() == 0


def test_the_page_sets_them_one_per_line_the_review_page_offers_them_and_reset_brings_the_built_in_back(
    supervisor, company
):
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(supervisor)
    form = browser.get(f"/work/reasons/?company={company.pk}&kind=copywriting").content.decode()
    boxes = "".join(re.findall(r"<textarea[^>]*>(.*?)</textarea>", form, flags=re.S))
    assert "系统默认" in form and boxes and "照片" not in boxes  # the built-in ones for copywriting: no photos

    saved = browser.post(
        "/work/reasons/save",
        {
            "company": company.pk,
            "kind": "copywriting",
            "reject": "文案里有错别字\r\n\r\n没有用到指定关键词",
            "revise": "",
            "partial": "",
        },
        follow=True,
    )
    assert "已保存" in saved.content.decode() and "本公司自定义" in saved.content.decode()

    writing = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1)
    submission = factories.handed_in(supervisor, writing, text="纯棉面料，柔软亲肤。")
    review = browser.get(f"/work/review/{submission.pk}/").content.decode()
    offered = re.findall(r'data-text="([^"]+)"', review)
    assert offered == ["文案里有错别字", "没有用到指定关键词"]
    # Without JavaScript, a ready reason chosen by its key is the reason written.
    key = re.search(r'<option value="(c\d+)">文案里有错别字', review).group(1)
    decided = browser.post(f"/work/review/{submission.pk}/decide", {"decision": "reject", "reason_template": key})
    assert decided.status_code == 302
    assert Review.objects.get(submission=submission).reason == "文案里有错别字"

    wrong = browser.post(
        "/work/reasons/save", {"company": company.pk, "kind": "copywriting", "reject": "x" * 300}, follow=True
    )
    assert "最多 200 个字" in wrong.content.decode() and ReadyReason.objects.count() == 2
    browser.post("/work/reasons/save", {"company": company.pk, "kind": "copywriting", "reset": "1"})
    assert ReadyReason.objects.count() == 0


def test_the_api_gives_a_companys_own_for_a_kind(supervisor, company, mother):
    services.ready_reasons_set(actor=supervisor, company_id=company.pk, kind=Kind.COPYWRITING, reasons=OWN)
    api = api_for(supervisor)

    own = api.get("/api/v1/reviews/reason-templates", {"company": company.pk, "kind": "copywriting"}).json()
    assert own == {"partial": [], "reject": OWN["reject"], "revise": OWN["revise"]}
    other = factories.CompanyFactory()
    assert api.get("/api/v1/reviews/reason-templates", {"company": other.pk, "kind": "copywriting"}).status_code == 404
    assert api.get("/api/v1/reviews/reason-templates", {"company": "abc", "kind": "copywriting"}).status_code == 404
    assert api.get("/api/v1/reviews/reason-templates", {"company": company.pk}).status_code == 400

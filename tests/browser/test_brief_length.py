"""Her copywriting form counts 字数 live against the brief's range, as the server counts (without
spaces and line breaks), in real Chromium at 360 px."""

import pytest

from tasks import services
from tasks.models import Kind
from tests import factories
from tests.browser.pages import fits_the_phone, sign_in
from tests.browser.test_mother_pages import complete_profiles, open_slot

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_count_warns_until_the_text_fits_and_then_she_hands_it_in(
    on_postgres, live_server, phone, supervisor, company, mother
):
    complete_profiles(mother)
    values = {**factories.PROJECT_DEFAULTS[Kind.COPYWRITING], "title": "睡衣文案"}
    project = services.project_create(actor=supervisor, company_id=company.pk, kind=Kind.COPYWRITING, **values)
    services.project_split(
        actor=supervisor,
        project_id=project.pk,
        briefs=["写一段睡衣详情"],
        min_chars=10,
        max_chars=20,
        keywords=["纯棉"],
    )
    services.project_transition(actor=supervisor, project_id=project.pk, action="publish")
    slot = open_slot(supervisor, project)
    claim = services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )
    page = phone()
    sign_in(page, live_server.url, mother, f"/m/claims/{claim.pk}/")
    assert "10–20 字" in page.inner_text("#brief-length") and "纯棉" in page.inner_text("#brief-keywords")

    page.fill("textarea[name=text]", "纯棉 睡衣")
    page.wait_for_function("() => document.getElementById('char-count').textContent.includes('已写 4 字')")
    assert "至少需要 10 字" in page.inner_text("#char-count")
    assert page.get_attribute("#char-count", "class") == "msg warning"

    page.fill("textarea[name=text]", "纯棉面料的儿童睡衣，\n柔软 透气")
    page.wait_for_function("() => document.getElementById('char-count').textContent === '已写 14 字'")
    assert page.get_attribute("#char-count", "class") == "muted"
    assert fits_the_phone(page)
    page.get_by_role("button", name="交活").click()
    page.wait_for_url("**/m/claims/?submitted=*")

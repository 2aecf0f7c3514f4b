"""领料交货 in real Chromium: at the counter (a tablet, 800 px wide) staff find a batch by her phone's last 4
digits, issue its materials, receive the pieces and check them; on her phone (360 px) the mother sees
what she holds and owes, and after the check what passed. Every tap is the page's own form."""

import pytest

from ledger.models import AccountKind, Posting
from tasks import services
from tasks.models import Handover, Review
from tests import factories
from tests.browser.conftest import _contexts
from tests.browser.pages import fits_the_phone, shot, sign_in

# The live server needs committed data (see test_results_download.py).
pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tablet(chromium):
    yield from _contexts(chromium, viewport={"width": 800, "height": 1280})


@pytest.fixture
def batch(on_postgres, supervisor, company, mom):
    project = factories.project(
        supervisor,
        company,
        tasks=2,
        units_per_task=20,
        title="手缝布包",
        pickup_point="社区服务站",
        dropoff_point="社区服务站",
    )
    slot = factories.slot(supervisor, project)
    return services.task_claim_next(
        worker=mom, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )


def test_a_batch_is_issued_returned_and_checked_at_the_counter(batch, supervisor, mom, live_server, tablet, phone):
    base = live_server.url
    desk = tablet()
    sign_in(desk, base, supervisor, f"/work/projects/{batch.project_id}/handovers/")
    desk.fill("#q", mom.phone[-4:])
    desk.click("#counter-search button")
    desk.click(f"#batches tr[data-task='{batch.task_id}'] a")
    desk.fill("#issue-units", "20")
    desk.fill("#issue-parts", "布料 20\n提手 40")
    desk.click("#issue-form button")
    desk.wait_for_selector("#return-form")
    assert desk.locator("#materials").inner_text().split()[:2] == ["已发", "20"]

    her = phone()
    sign_in(her, base, mom, f"/m/claims/{batch.pk}/")
    card = her.locator("#materials")
    assert "您手里还有 20 件的材料" in card.inner_text()
    assert her.locator("#release-at-counter").is_visible()  # given back at the counter, not by a tap
    assert fits_the_phone(her)
    shot(her, "mother-materials-360")

    desk.fill("#return-units", "18")
    desk.fill("#return-unused", "2")
    desk.click("#return-form button")
    desk.wait_for_selector("#qc-form")
    desk.fill("#qc-units", "17")
    desk.fill("input[name=defect_reason_0]", "线头没剪")
    desk.fill("input[name=defect_count_0]", "1")
    shot(desk, "counter-qc-800")
    desk.click("#qc-form button")
    desk.wait_for_selector("#handover-log tr[data-kind=qc]")
    assert not desk.locator("#qc-form").count()

    assert [h.kind for h in Handover.objects.order_by("pk")] == ["issue", "return", "qc"]
    review = Review.objects.get()
    assert (review.decision, review.accepted_units) == ("partial", 17)
    paid = Posting.objects.filter(account__kind=AccountKind.PAYABLE, account__worker=mom)
    assert [p.amount_fen for p in paid] == [850]  # 17 × ¥0.50
    her.reload()
    assert "合格 17 件，次品 1 件" in her.locator("#materials").inner_text()

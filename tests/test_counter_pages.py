"""The counter of an assembly project (/work/projects/<id>/handovers/, /work/tasks/<id>/handovers/): staff
issue materials, receive pieces and check them on a tablet; a form sent twice is recorded once; a refusal
keeps what was typed; the mother's task page shows what she holds and owes."""

import pytest
from django.test import Client

from accounts.models import Role
from ledger.models import AccountKind, Posting
from tasks import services
from tasks.models import Handover, Kind, Review
from tests import factories

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def claim(mother, project):
    slot = factories.slot(project.created_by, project)
    return services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )


@pytest.fixture
def project(supervisor, company):
    return factories.project(supervisor, company, tasks=2, units_per_task=10, dropoff_point="社区服务站")


def test_a_batch_goes_issue_return_check_at_the_counter(supervisor, mom, project):
    held = claim(mom, project)
    staff = signed_in(supervisor)
    listed = staff.get(f"/work/projects/{project.pk}/handovers/?q={mom.phone[-4:]}")
    assert listed.status_code == 200 and f"#{held.task.number}" in listed.content.decode()
    page = f"/work/tasks/{held.task_id}/handovers/"
    assert 'id="issue-form"' in staff.get(page).content.decode()

    issued = staff.post(page, {"kind": "issue", "after": 0, "units": 10, "parts": "布料 10\n拉链 10"})
    assert issued.status_code == 302
    assert Handover.objects.get(kind="issue").parts == [{"name": "布料", "count": 10}, {"name": "拉链", "count": 10}]
    # The same form sent again (a double tap): recorded once.
    again = staff.post(page, {"kind": "issue", "after": 0, "units": 10}, follow=True)
    assert Handover.objects.filter(kind="issue").count() == 1 and "已经登记过了" in again.content.decode()

    after = Handover.objects.get(kind="issue").pk
    mine = signed_in(mom).get(f"/m/claims/{held.pk}/").content.decode()
    assert 'id="materials"' in mine and "10" in mine and 'id="release-at-counter"' in mine

    refused = staff.post(page, {"kind": "return", "after": after, "units": 12, "point": "二号窗口"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert 'id="handover-error"' in body and 'value="二号窗口"' in body  # what was typed stays
    assert staff.post(page, {"kind": "return", "after": after, "units": 10}).status_code == 302

    returned = Handover.objects.get(kind="return").pk
    body = staff.get(page).content.decode()
    assert 'id="qc-form"' in body and 'id="issue-form"' not in body
    checked = staff.post(
        page,
        {"kind": "qc", "after": returned, "units": 9, "defect_reason_0": "线头没剪", "defect_count_0": 1},
    )
    assert checked.status_code == 302
    review = Review.objects.get()
    assert (review.decision, review.accepted_units) == ("partial", 9)
    paid = Posting.objects.filter(account__kind=AccountKind.PAYABLE, account__worker=mom).values_list(
        "amount_fen", flat=True
    )
    assert list(paid) == [450]


def test_the_counter_is_for_supervisors_of_assembly(supervisor, company, mom, project):
    held = claim(mom, project)
    assert (
        signed_in(factories.staff(company, Role.FINANCE)).get(f"/work/tasks/{held.task_id}/handovers/").status_code
        == 403
    )
    other = factories.staff(factories.CompanyFactory(name="丙公司"), Role.SUPERVISOR)
    assert signed_in(other).get(f"/work/tasks/{held.task_id}/handovers/").status_code == 404
    labelling = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=2)
    assert signed_in(supervisor).get(f"/work/projects/{labelling.pk}/handovers/").status_code == 404
    assert signed_in(mom).post(f"/work/tasks/{held.task_id}/handovers/", {"kind": "issue", "units": 1}).status_code in (
        403,
        404,
    )
    assert not Handover.objects.exists()

"""GET /api/v1/projects/{id}/results: what the work gave back, per kind — accepted work by default,
every decided hand-in with ?state=all; gold items never; mothers by a pseudonym, never by name or
phone; other companies' staff and mothers see nothing."""

import json

import pytest

from accounts.models import Role
from tasks import results, services
from tasks.models import Kind, LabelItem, Project
from tests import factories
from tests.conftest import api_for

pytestmark = pytest.mark.django_db


def get(user, project, **params):
    return api_for(user).get(f"/api/v1/projects/{project.pk}/results", params)


def claim(mother, project):
    slot = factories.slot(project.created_by, project)
    return services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )


def test_copywriting_gives_the_accepted_texts_with_a_stable_pseudonym(supervisor, company, mother, other_mother):
    project = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=3)
    first = services.claim_submit(worker=mother, claim_id=claim(mother, project).pk, text="纯棉睡衣，柔软亲肤")
    services.submission_review(actor=supervisor, submission_id=first.pk, decision="accept")
    second = services.claim_submit(worker=other_mother, claim_id=claim(other_mother, project).pk, text="抄来的")
    services.submission_review(actor=supervisor, submission_id=second.pk, decision="reject", reason="抄袭")

    body = get(supervisor, project).json()
    assert body["kind"] == "copywriting" and body["count"] == 1
    [row] = body["results"]
    assert row["text"] == "纯棉睡衣，柔软亲肤" and row["status"] == "accepted"
    assert row["mother"] == results.pseudonym(company_id=company.pk, worker_id=mother.pk)
    text = json.dumps(get(supervisor, project, state="all").json(), ensure_ascii=False)
    assert "抄来的" in text and mother.phone[3:] not in text and mother.worker_profile.display_name not in text
    assert get(supervisor, project, state="all").json()["count"] == 2


def test_labelling_gives_one_row_per_source_item_and_never_a_gold_item(supervisor, company, mother):
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=3)
    task = project.tasks.get()
    gold = LabelItem.objects.filter(task=task).order_by("position").first()
    LabelItem.objects.filter(pk=gold.pk).update(expected_label=project.label_set[0])
    held = claim(mother, project)
    labels = {str(item.pk): project.label_set[0] for item in task.items.all()}
    submission = services.claim_submit(worker=mother, claim_id=held.pk, labels=labels)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="accept")

    body = get(supervisor, project).json()
    assert body["count"] == 2  # three items, one of them gold
    assert all(row["label"] == project.label_set[0] and row["agreement"] == 1.0 for row in body["results"])
    assert gold.source_line not in [row["line"] for row in body["results"]]
    assert {"line", "record", "text", "labels_given"} <= set(body["results"][0])


def test_assembly_gives_pieces_issued_returned_accepted_and_the_defects(supervisor, company, mother):
    project = factories.project(supervisor, company, tasks=2, units_per_task=10)
    submission = services.claim_submit(worker=mother, claim_id=claim(mother, project).pk, completed_units=9)
    services.submission_review(
        actor=supervisor, submission_id=submission.pk, decision="partial", accepted_units=7, reason="两件开线"
    )
    [row] = get(supervisor, project).json()["results"]
    assert (row["units_issued"], row["units_returned"], row["units_accepted"], row["units_defective"]) == (10, 9, 7, 2)
    assert row["defect_reason"] == "两件开线"


def test_only_the_companys_staff_see_results(supervisor, company, mother, other_company):
    project = factories.project(supervisor, company, tasks=1)
    assert get(factories.staff(other_company, Role.SUPERVISOR), project).status_code == 404
    assert get(mother, project).status_code in (403, 404)
    assert get(supervisor, project, state="maybe").status_code == 400
    assert Project.objects.filter(pk=project.pk).exists()


@pytest.mark.parametrize("kind", [Kind.COPYWRITING, Kind.LABELLING, Kind.ASSEMBLY])
def test_every_row_has_the_columns_of_its_kind_in_order(supervisor, company, mother, kind):
    project = factories.project(supervisor, company, kind=kind, tasks=1, units_per_task=2)
    held = claim(mother, project)
    hand_in = {
        Kind.COPYWRITING: {"text": "一段文案"},
        Kind.LABELLING: {"labels": {str(i.pk): project.label_set[0] for i in held.task.items.all()}},
        Kind.ASSEMBLY: {"completed_units": 2},
    }[kind]
    submission = services.claim_submit(worker=mother, claim_id=held.pk, **hand_in)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="accept")

    rows = get(supervisor, project).json()["results"]
    assert rows and all(list(row) == list(results.COLUMNS[kind]) for row in rows)

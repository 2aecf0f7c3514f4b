"""Labelling quality: each item labelled by ``overlap`` different mothers (copies of a chunk share an
item group; a mother never claims two of them, on either claim path), gold items mixed into every
task at the gold rate (paid, never results), a majority label per item in the results (a tie
flagged), and the project's agreement (Krippendorff's alpha) and gold figures."""

import json
from collections import Counter

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Role
from tasks import quality, results, services, splitting
from tasks.errors import AlreadyLabelled, InvalidSplit, NoTaskAvailable
from tasks.models import Claim, Kind, LabelItem, Project, Review, SplitJob, Task
from tasks.services import claims
from tests import factories
from tests.conftest import api_for

pytestmark = pytest.mark.django_db

LABELS = ["好评", "中评", "差评"]


def upload(rows, name="items.jsonl") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode())


def ordinary(n, start=0):
    return [{"text": f"评论 {i}", "answer": ""} for i in range(start, start + n)]


def gold_rows(*answers):
    return [{"text": f"标准 {i}", "answer": a} for i, a in enumerate(answers)]


def labelling(supervisor, company, rows, *, publish=True, claim_limit=2, **split) -> Project:
    project = services.project_create(
        actor=supervisor,
        company_id=company.pk,
        kind=Kind.LABELLING,
        title="标注",
        claim_limit=claim_limit,
        **factories.PROJECT_DEFAULTS[Kind.LABELLING],
    )
    services.project_split(actor=supervisor, project_id=project.pk, file=upload(rows), **split)
    if publish:
        services.project_transition(actor=supervisor, project_id=project.pk, action="publish")
    project.refresh_from_db()
    return project


def pure(rows, **options):
    options = {"items_per_task": 10, "text_field": "text", "max_tasks": 1000, "label_set": LABELS, **options}
    raw = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    return splitting.split_labelling(raw=raw, filename="x.jsonl", **options)


# --- splitting (pure) ---------------------------------------------------------------------------------


def test_gold_rows_are_mixed_into_every_task_at_the_rate_round_robin_and_at_a_stable_position():
    rows = ordinary(27) + gold_rows("好评", "差评")  # 27 ordinary, 2 gold; 10 per task at 10 % → 9 + 1

    specs = pure(rows, gold_field="answer", gold_rate=10)

    assert [spec.units for spec in specs] == [10, 10, 10]
    golds = [[item["text"] for item in spec.items if item["expected"]] for spec in specs]
    assert golds == [["标准 0"], ["标准 1"], ["标准 0"]]  # round-robin from the gold pool
    assert all(sum(1 for i in spec.items if not i["expected"]) == 9 for spec in specs)
    positions = [[i for i, item in enumerate(spec.items) if item["expected"]] for spec in specs]
    again = pure(rows, gold_field="answer", gold_rate=10)
    assert positions == [[i for i, item in enumerate(spec.items) if item["expected"]] for spec in again]
    assert len({p[0] for p in positions}) > 1 or positions[0][0] not in (0, 9)  # not always first or last
    assert "answer" not in specs[0].items[0]["payload"]


def test_a_higher_rate_mixes_in_more_and_a_small_task_still_gets_one():
    specs = pure(ordinary(12) + gold_rows("好评", "中评", "差评"), gold_field="answer", gold_rate=30, items_per_task=10)
    assert [sum(1 for i in s.items if i["expected"]) for s in specs] == [3, 3]  # 7 + 3, then 5 + 3
    small = pure(ordinary(4) + gold_rows("好评"), gold_field="answer", gold_rate=5, items_per_task=2)
    assert [(s.units, sum(1 for i in s.items if i["expected"])) for s in small] == [(2, 1)] * 4


def test_overlap_makes_copies_of_each_chunk_in_one_group():
    specs = pure(ordinary(5), items_per_task=2, overlap=3)

    assert [spec.group for spec in specs] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert specs[0].items == specs[1].items == specs[2].items
    assert [spec.units for spec in specs] == [2, 2, 2, 2, 2, 2, 1, 1, 1]


@pytest.mark.parametrize(
    ("rows", "options", "field"),
    [
        (ordinary(3), {"gold_field": "answer"}, "gold_field"),  # a gold column without a known answer
        (ordinary(3), {"gold_rate": 10}, "gold_field"),  # a rate without a gold column
        (ordinary(3) + gold_rows("好评"), {"gold_field": "answer", "gold_rate": 0}, "gold_rate"),
        (
            ordinary(3) + gold_rows("好评"),
            {"gold_field": "answer", "gold_rate": 10, "items_per_task": 1},
            "items_per_task",
        ),
        (ordinary(3), {"overlap": 6}, "overlap"),
        (ordinary(3), {"overlap": "二"}, "overlap"),
        (ordinary(3) + gold_rows("好评"), {"gold_field": "answer", "gold_rate": 51}, "gold_rate"),
    ],
)
def test_a_split_that_cannot_be_made_is_refused_naming_the_field(rows, options, field):
    with pytest.raises(InvalidSplit) as refused:
        pure(rows, **options)
    assert refused.value.details["field"] == field


def test_a_file_of_gold_rows_only_is_split_as_it_is():
    specs = pure(gold_rows("好评", "差评", "中评"), gold_field="answer", items_per_task=3)
    assert [[i["expected"] for i in s.items] for s in specs] == [["好评", "差评", "中评"]]


# --- splitting (written) --------------------------------------------------------------------------------


def test_copies_share_a_new_group_and_point_at_the_first_copy_and_gold_is_paid(supervisor, company):
    project = labelling(
        supervisor,
        company,
        ordinary(12) + gold_rows("好评"),
        items_per_task=5,
        overlap=3,
        gold_field="answer",
        gold_rate=20,
    )

    tasks = list(project.tasks.order_by("number"))
    assert [t.item_group for t in tasks] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert all(t.units == 5 for t in tasks)  # 4 ordinary + 1 gold: gold is paid like any item
    assert (project.overlap, project.gold_rate) == (3, 20)
    first, *others = tasks[:3]
    firsts = list(first.items.order_by("position"))
    assert all(item.origin_id is None for item in firsts if not item.expected_label)
    for copy in others:
        assert [i.origin_id for i in copy.items.order_by("position")] == [i.pk for i in firsts]
    gold = LabelItem.objects.filter(task__project=project).exclude(expected_label="")
    assert gold.count() == 9 and gold.filter(origin__isnull=True).count() == 1  # one gold row, 9 copies
    # A second split gets new groups.
    services.project_split(actor=supervisor, project_id=project.pk, file=upload(ordinary(2, 100)), items_per_task=2)
    assert list(project.tasks.filter(number__gt=9).values_list("item_group", flat=True)) == [4, 4, 4]


def test_a_bad_quality_split_is_a_400_that_makes_nothing(supervisor, company):
    project = labelling(supervisor, company, ordinary(2), items_per_task=2, publish=False)
    client = api_for(supervisor)
    before = (Task.objects.count(), LabelItem.objects.count())
    for body, field in (
        ({"gold_field": "answer"}, "gold_field"),
        ({"gold_rate": "10"}, "gold_field"),
        ({"overlap": "9"}, "overlap"),
    ):
        answer = client.post(
            f"/api/v1/projects/{project.pk}/split",
            {"file": upload(ordinary(3)), "items_per_task": "2", **body},
            format="multipart",
        )
        assert answer.status_code == 400, answer.content
        assert field in json.dumps(answer.json())
    assert (Task.objects.count(), LabelItem.objects.count()) == before
    made = client.post(
        f"/api/v1/projects/{project.pk}/split",
        {"file": upload(ordinary(4)), "items_per_task": "2", "overlap": "2"},
        format="multipart",
    )
    assert made.status_code == 201 and made.json()["created"] == 4


def test_the_background_split_keeps_the_overlap_and_gold_rate(supervisor, company):
    from tasks import split_requests

    project = labelling(supervisor, company, ordinary(2), items_per_task=2, publish=False)
    job = split_requests.split_request(
        actor=supervisor,
        project_id=project.pk,
        upload=upload(ordinary(6) + gold_rows("差评")),
        items_per_task=4,
        gold_field="answer",
        gold_rate=25,
        overlap=2,
    )
    services.split_job_run(job_id=str(job.pk))

    assert SplitJob.objects.get(pk=job.pk).status == "done"
    made = project.tasks.filter(number__gt=1)
    assert made.count() == 4 and set(made.values_list("units", flat=True)) == {4}
    assert LabelItem.objects.filter(task__in=made, expected_label="差评").count() == 4


def test_existing_labelling_tasks_get_their_number_as_group(supervisor, company):
    project = labelling(supervisor, company, ordinary(4), items_per_task=2, publish=False)
    assembly = factories.project(supervisor, company, tasks=1, publish=False)
    Task.objects.update(item_group=None)
    migration = __import__("tasks.migrations.0017_split_quality_terms", fromlist=["groups_for_labelling_tasks"])

    migration.groups_for_labelling_tasks(django_apps, None)

    assert list(project.tasks.order_by("number").values_list("number", "item_group")) == [(1, 1), (2, 2)]
    assert assembly.tasks.get().item_group is None


# --- claims: never two copies of one item ----------------------------------------------------------------


def claim_next(mother, project, slot):
    return services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk)


def test_with_overlap_3_each_item_gets_three_different_mothers(supervisor, company):
    project = labelling(supervisor, company, ordinary(4), items_per_task=2, overlap=3, claim_limit=5)
    slot = factories.slot(supervisor, project)
    mothers = [factories.mother() for _ in range(3)]

    for _round in range(2):
        for mother in mothers:
            claim_next(mother, project, slot)

    groups = Counter(Claim.objects.values_list("worker_id", "task__item_group"))
    assert set(groups.values()) == {1}  # no mother twice in a group
    per_group = Counter(group for _worker, group in groups)
    assert per_group == {1: 3, 2: 3}
    with pytest.raises(NoTaskAvailable):
        claim_next(mothers[0], project, slot)  # the copies left are of groups she had
    assert Claim.objects.count() == 6


def test_the_copy_she_chose_of_items_she_had_is_refused_even_after_giving_hers_back(supervisor, company, mother):
    project = labelling(supervisor, company, ordinary(2), items_per_task=2, overlap=2)
    slot = factories.slot(supervisor, project)
    first, second = project.tasks.order_by("number")
    held = services.task_claim(worker=mother, task_id=first.pk, slot_id=slot.pk)
    services.claim_release(worker=mother, claim_id=held.pk)
    before = Claim.objects.count()

    answer = api_for(mother).post(f"/api/v1/tasks/{second.pk}/claim", {"slot": slot.pk}, format="json")

    assert answer.status_code == 409 and answer.json()["error"]["code"] == "already_labelled"
    assert Claim.objects.count() == before
    with pytest.raises(AlreadyLabelled):
        services.task_claim(worker=mother, task_id=first.pk, slot_id=slot.pk)  # the task she gave back too
    with pytest.raises(NoTaskAvailable):
        claim_next(mother, project, slot)


@pytest.mark.postgres
def test_the_one_statement_claim_passes_over_the_groups_she_had(on_postgres, supervisor, company, mother):
    project = labelling(supervisor, company, ordinary(4), items_per_task=2, overlap=2, claim_limit=5)
    slot = factories.slot(supervisor, project)
    tasks = list(project.tasks.order_by("number"))

    taken = claims._claim_in_one_statement(worker=mother, project_id=project.pk, slot_id=slot.pk)
    assert taken.task_id == tasks[0].pk
    taken = claims._claim_in_one_statement(worker=mother, project_id=project.pk, slot_id=slot.pk)
    assert taken.task_id == tasks[2].pk  # not tasks[1], the copy of tasks[0]
    assert claims._claim_in_one_statement(worker=mother, project_id=project.pk, slot_id=slot.pk) is None
    assert claims._claim_in_one_statement(worker=mother, task_id=tasks[1].pk, slot_id=slot.pk) is None
    with pytest.raises(AlreadyLabelled):
        services.task_claim(worker=mother, task_id=tasks[1].pk, slot_id=slot.pk)
    other = factories.mother()
    assert claims._claim_in_one_statement(worker=other, task_id=tasks[1].pk, slot_id=slot.pk) is not None


# --- results: the majority of accepted labels -------------------------------------------------------------


def hand_in_all(supervisor, project, answers, *, decision="accept", rejected=None):
    """Each mother claims the next task and labels every item: ``answers`` per mother, by item text
    (a gold item gets the first label); returns the submissions."""
    slot = factories.slot(supervisor, project)
    made = []
    for mother, labels in answers:
        held = claim_next(mother, project, slot)
        items = held.task.items.all()
        given = {str(i.pk): labels.get(i.text, i.expected_label or LABELS[0]) for i in items}
        submission = services.claim_submit(worker=mother, claim_id=held.pk, labels=given)
        made.append(submission)
    return made


def results_of(supervisor, project, **params):
    return api_for(supervisor).get(f"/api/v1/projects/{project.pk}/results", params).json()


def test_the_result_is_the_majority_of_three_mothers_with_its_agreement_and_history(supervisor, company):
    project = labelling(
        supervisor,
        company,
        ordinary(2) + gold_rows("差评"),
        items_per_task=3,
        overlap=3,
        gold_field="answer",
        gold_rate=34,
    )
    a, b, c = (factories.mother() for _ in range(3))
    made = hand_in_all(
        supervisor,
        project,
        [
            (a, {"评论 0": "好评", "评论 1": "中评"}),
            (b, {"评论 0": "好评", "评论 1": "差评"}),
            (c, {"评论 0": "差评", "评论 1": "好评"}),
        ],
    )
    for submission in made:
        services.submission_review(actor=supervisor, submission_id=submission.pk, decision="accept")

    body = results_of(supervisor, project)

    assert body["count"] == 2  # two source items; the gold item (in every copy) never
    first, second = body["results"]
    assert (first["text"], first["label"], first["labels_given"], first["agreement"], first["tie"]) == (
        "评论 0",
        "好评",
        3,
        0.6667,
        False,
    )
    assert [h["label"] for h in first["history"]] == ["好评", "好评", "差评"]
    assert {h["mother"] for h in first["history"]} == {
        results.pseudonym(company_id=company.pk, worker_id=m.pk) for m in (a, b, c)
    }
    assert all(h["accepted"] and h["round"] == 0 and h["decided_at"] for h in first["history"])
    assert (second["label"], second["tie"], second["agreement"]) == (None, True, 0.3333)  # three ways: a tie
    assert all(list(row) == list(results.COLUMNS[Kind.LABELLING]) for row in body["results"])


def test_a_tie_of_two_is_flagged_and_an_item_not_accepted_does_not_count(supervisor, company):
    project = labelling(supervisor, company, ordinary(2), items_per_task=2, overlap=2)
    a, b = factories.mother(), factories.mother()
    first, second = hand_in_all(
        supervisor, project, [(a, {"评论 0": "好评", "评论 1": "好评"}), (b, {"评论 0": "差评", "评论 1": "中评"})]
    )
    services.submission_review(actor=supervisor, submission_id=first.pk, decision="accept")
    services.submission_review(
        actor=supervisor, submission_id=second.pk, decision="partial", accepted_units=1, reason="第二条标错了"
    )
    # The per-item review (another lane) records the copies not accepted; here, her label of 评论 1.
    rejected = LabelItem.objects.get(task=second.task, text="评论 1")
    Review.objects.filter(submission=second).update(rejected_items=[rejected.pk])

    rows = {row["text"]: row for row in results_of(supervisor, project)["results"]}

    assert (rows["评论 0"]["label"], rows["评论 0"]["tie"], rows["评论 0"]["agreement"]) == (None, True, 0.5)
    assert (rows["评论 1"]["label"], rows["评论 1"]["labels_given"], rows["评论 1"]["agreement"]) == ("好评", 1, 1.0)
    assert [(h["label"], h["accepted"]) for h in rows["评论 1"]["history"]] == [("好评", True), ("中评", False)]


def test_with_state_accepted_an_item_needs_an_accepted_label(supervisor, company):
    project = labelling(supervisor, company, ordinary(2), items_per_task=1, overlap=1)
    a, b = factories.mother(), factories.mother()
    first, second = hand_in_all(supervisor, project, [(a, {}), (b, {})])
    services.submission_review(actor=supervisor, submission_id=first.pk, decision="accept")
    services.submission_review(
        actor=supervisor, submission_id=second.pk, decision="partial", accepted_units=1, reason="x"
    )
    Review.objects.filter(submission=second).update(rejected_items=list(second.task.items.values_list("pk", flat=True)))

    accepted = results_of(supervisor, project)
    every = results_of(supervisor, project, state="all")

    assert [row["text"] for row in accepted["results"]] == ["评论 0"]
    assert [(row["text"], row["labels_given"]) for row in every["results"]] == [("评论 0", 1), ("评论 1", 0)]


def test_a_page_of_results_reads_in_a_bounded_number_of_queries(supervisor, company, django_assert_max_num_queries):
    project = labelling(supervisor, company, ordinary(6), items_per_task=2, overlap=2, claim_limit=5)
    mothers = [factories.mother() for _ in range(2)]
    for submission in hand_in_all(supervisor, project, [(m, {}) for m in mothers for _ in range(3)]):
        services.submission_review(actor=supervisor, submission_id=submission.pk, decision="accept")
    source = results.source(project)

    with django_assert_max_num_queries(3):
        rows = results.rows_for(project, source[:50])

    assert len(rows) == 6 and all(row["labels_given"] == 2 for row in rows)


# --- quality: alpha, gold, flagged ------------------------------------------------------------------------


def test_alpha_is_krippendorffs_nominal_alpha_by_hand():
    # Items (a, a), (a, b), (b, b): pairs o_aa = 2, o_ab = o_ba = 1, o_bb = 2; n = 6, n_a = n_b = 3.
    # D_o = 2/6; D_e = 2·3·3 / (6·5) = 0.6; alpha = 1 − (1/3)/0.6 = 4/9.
    assert quality.alpha([["a", "a"], ["a", "b"], ["b", "b"]]) == (0.4444, "")
    assert quality.alpha([["a", "a"], ["b", "b"], ["a"]]) == (1.0, "")
    value, note = quality.alpha([["a"], ["b"]])
    assert value is None and note
    value, note = quality.alpha([["a", "a"], ["a", "a"]])
    assert value is None and note


def quality_of(user, project):
    return api_for(user).get(f"/api/v1/projects/{project.pk}/quality")


def test_the_quality_endpoint_gives_alpha_agreement_and_the_gold_figures(supervisor, company):
    project = labelling(
        supervisor,
        company,
        ordinary(3) + gold_rows("差评"),
        items_per_task=4,
        overlap=2,
        gold_field="answer",
        gold_rate=25,
    )
    a, b = factories.mother(), factories.mother()
    # 评论 0: a/a, 评论 1: a/b, 评论 2: b/b (好评 = a, 差评 = b); a gets the gold item wrong.
    made = hand_in_all(
        supervisor,
        project,
        [
            (a, {"评论 0": "好评", "评论 1": "好评", "评论 2": "差评", "标准 0": "好评"}),
            (b, {"评论 0": "好评", "评论 1": "差评", "评论 2": "差评", "标准 0": "差评"}),
        ],
    )
    for submission in made:
        services.submission_review(actor=supervisor, submission_id=submission.pk, decision="accept")

    body = quality_of(supervisor, project).json()

    assert (body["overlap"], body["items"], body["items_with_labels"], body["items_compared"]) == (2, 3, 3, 3)
    assert (body["alpha"], body["ties"], body["note"]) == (0.4444, 1, "")
    assert [bucket["count"] for bucket in body["agreement"]] == [0, 1, 0, 2]
    gold = body["gold"]
    assert (gold["rate"], gold["min_accuracy"], gold["submissions"], gold["flagged"]) == (25, 70, 2, 1)
    assert [bucket["count"] for bucket in gold["accuracy"]] == [1, 0, 0, 0, 1]
    [flagged] = body["flagged"]
    assert flagged == {
        "submission": made[0].pk,
        "task": made[0].task.number,
        "mother": results.pseudonym(company_id=company.pk, worker_id=a.pk),
        "gold_correct": 0,
        "gold_total": 1,
        "accuracy": 0.0,
        "status": "accepted",
    }


def test_quality_is_for_the_companys_staff_only(supervisor, company, other_company, mother):
    project = labelling(supervisor, company, ordinary(2), items_per_task=2)
    assert quality_of(factories.staff(other_company, Role.SUPERVISOR), project).status_code == 404
    assert quality_of(mother, project).status_code in (403, 404)
    assert quality_of(factories.staff(company, Role.FINANCE), project).status_code == 200
    body = quality_of(supervisor, project).json()
    assert body["alpha"] is None and body["note"] and body["gold"]["submissions"] == 0
    assembly = factories.project(supervisor, company, tasks=1)
    assert quality_of(supervisor, assembly).status_code == 400


# --- the pages ---------------------------------------------------------------------------------------------


def test_the_split_wizard_takes_overlap_and_gold_and_the_project_page_shows_the_figures(supervisor, company):
    project = services.project_create(
        actor=supervisor,
        company_id=company.pk,
        kind=Kind.LABELLING,
        title="向导",
        **factories.PROJECT_DEFAULTS[Kind.LABELLING],
    )
    client = Client()
    client.force_login(supervisor)
    form = {
        "text_field": "text",
        "items_per_task": "4",
        "label_set": "\n".join(LABELS),
        "overlap": "2",
        "gold_field": "answer",
        "gold_rate": "25",
        "file": upload(ordinary(6) + gold_rows("好评")),
    }
    preview = client.post(f"/work/projects/{project.pk}/split", form)
    text = preview.content.decode()
    assert preview.status_code == 200, text
    assert 'id="preview-tasks">4<' in text and 'id="preview-quality"' in text
    token = text.split('name="preview" value="')[1].split('"')[0]

    confirmed = client.post(f"/work/projects/{project.pk}/split/confirm", {"preview": token})

    assert confirmed.status_code == 302
    assert list(project.tasks.order_by("number").values_list("item_group", flat=True)) == [1, 1, 2, 2]
    assert LabelItem.objects.filter(task__project=project).exclude(expected_label="").count() == 4
    assert 'id="quality-link"' in client.get(f"/work/projects/{project.pk}/").content.decode()
    page = client.get(f"/work/projects/{project.pk}/quality/").content.decode()
    assert 'id="quality-alpha"' in page and 'id="quality-gold"' in page

    refused = client.post(f"/work/projects/{project.pk}/split", {**form, "gold_field": "", "file": upload(ordinary(2))})
    assert refused.status_code == 200  # without a gold column the rate is not asked for

"""The services' guards against the same action sent twice (a double tap, a retry): "claim the next
one after this claim of mine" (``task_claim_next(after_claim_id=)``) and "split as previewed"
(``project_split`` / ``split_request`` with ``expected_state=``). The pages pass them; they take no
transaction or lock of their own."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import DomainError
from fairwork.errors import OutsideAvailability
from tasks import selectors, services, split_requests
from tasks.errors import ClaimNextRepeated, SplitStateChanged
from tasks.models import Claim, ClaimStatus, Kind, Project, SplitJob, Task
from tests import factories
from tests.snapshots import world
from workers.models import AvailabilityWindow

pytestmark = pytest.mark.django_db


def claim_next(mother, project, slot, **options):
    return services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk, **options)


# --- claim the next one, after this claim of mine ------------------------------------------------


def test_the_same_claim_next_sent_again_names_the_first_claim_and_claims_nothing(mother, assembly, slot):
    first = claim_next(mother, assembly, slot, after_claim_id=0)
    before = world()

    with pytest.raises(ClaimNextRepeated) as repeated:
        claim_next(mother, assembly, slot, after_claim_id=0)

    assert repeated.value.details == {"claim": first.pk}
    assert (repeated.value.code, repeated.value.status) == ("claim_next_repeated", 409)
    assert str(repeated.value.message) == "这个任务已经是您的了。"
    assert world() == before


def test_from_a_page_drawn_after_her_claim_the_next_one_is_a_new_claim(mother, assembly, slot):
    first = claim_next(mother, assembly, slot, after_claim_id=0)

    second = claim_next(mother, assembly, slot, after_claim_id=first.pk)

    assert second.pk > first.pk and second.task_id != first.task_id
    assert Claim.objects.filter(worker=mother, status=ClaimStatus.ACTIVE).count() == 2


def test_without_after_claim_id_every_call_claims(mother, assembly, slot):
    claim_next(mother, assembly, slot)
    claim_next(mother, assembly, slot)

    assert Claim.objects.filter(worker=mother).count() == 2


def test_a_handed_in_claim_still_counts_a_given_back_one_does_not(mother, assembly, slot):
    first = claim_next(mother, assembly, slot, after_claim_id=0)
    services.claim_submit(worker=mother, claim_id=first.pk, completed_units=first.task.units)
    with pytest.raises(ClaimNextRepeated):
        claim_next(mother, assembly, slot, after_claim_id=0)

    second = claim_next(mother, assembly, slot, after_claim_id=first.pk)
    services.claim_release(worker=mother, claim_id=second.pk)
    third = claim_next(mother, assembly, slot, after_claim_id=first.pk)

    assert third.pk > second.pk and Claim.objects.get(pk=third.pk).status == ClaimStatus.ACTIVE


def test_only_her_claims_in_this_project_count(mother, other_mother, supervisor, company, assembly, slot):
    other_project = factories.project(supervisor, company, tasks=2)
    other_slot = factories.slot(supervisor, other_project)
    claim_next(mother, other_project, other_slot)  # hers, in another project
    claim_next(other_mother, assembly, slot)  # in this project, another mother's

    made = claim_next(mother, assembly, slot, after_claim_id=0)

    assert made.project_id == assembly.pk and made.worker_id == mother.pk


def test_the_guard_holds_through_her_confirmation_outside_her_hours(mother, assembly, slot):
    AvailabilityWindow.objects.create(
        worker=mother.worker_profile,
        weekday=(slot.starts_at + datetime.timedelta(days=3)).weekday(),
        start=datetime.time(20),
        end=datetime.time(21),
    )
    before = world()
    with pytest.raises(OutsideAvailability):
        claim_next(mother, assembly, slot, after_claim_id=0)
    assert world() == before

    first = claim_next(mother, assembly, slot, after_claim_id=0, confirm_outside_availability=True)
    with pytest.raises(ClaimNextRepeated) as repeated:
        claim_next(mother, assembly, slot, after_claim_id=0, confirm_outside_availability=True)
    assert repeated.value.details == {"claim": first.pk}
    assert Claim.objects.filter(worker=mother).count() == 1


def test_a_refusal_is_the_same_with_or_without_after_claim_id(mother, supervisor, company):
    project = factories.project(supervisor, company, tasks=1)
    slot = factories.slot(supervisor, project)
    claim_next(factories.mother(), project, slot)
    before = world()

    codes = []
    for options in ({}, {"after_claim_id": 0}):
        with pytest.raises(DomainError) as refused:
            claim_next(mother, project, slot, **options)
        codes.append(refused.value.code)

    assert codes == ["no_task_available", "no_task_available"] and world() == before


# --- split as previewed ---------------------------------------------------------------------------


@pytest.fixture
def draft(supervisor, company):
    return services.project_create(
        actor=supervisor,
        company_id=company.pk,
        kind=Kind.ASSEMBLY,
        title="草稿",
        **factories.PROJECT_DEFAULTS[Kind.ASSEMBLY],
    )


def test_a_split_confirmed_twice_makes_its_tasks_once(supervisor, draft):
    state = selectors.split_state(draft)
    assert state == [0, 0]

    made = services.project_split(
        actor=supervisor, project_id=draft.pk, expected_state=state, total_units=30, units_per_task=10
    )
    before = world()
    with pytest.raises(SplitStateChanged) as changed:
        services.project_split(
            actor=supervisor, project_id=draft.pk, expected_state=state, total_units=30, units_per_task=10
        )

    assert len(made) == 3 and selectors.split_state(draft) == [3, 0]
    assert (changed.value.code, changed.value.status) == ("split_state_changed", 409)
    assert str(changed.value.message) == "没有再生成任务：预览之后任务已有变化，是不是已经确认过了？"
    assert world() == before
    # A split without a preview's state, or from a new preview, is made.
    services.project_split(actor=supervisor, project_id=draft.pk, total_units=10, units_per_task=10)
    services.project_split(
        actor=supervisor,
        project_id=draft.pk,
        expected_state=selectors.split_state(draft),
        total_units=10,
        units_per_task=10,
    )
    assert Task.objects.filter(project=draft).count() == 5


@pytest.fixture
def labelling(supervisor, company, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=2, publish=False)


def reviews(count: int) -> SimpleUploadedFile:
    return factories.jsonl_upload([f"评论 {i}" for i in range(count)])


def test_the_label_set_changes_with_the_split_or_not_at_all(supervisor, labelling):
    state = selectors.split_state(labelling)
    old = list(labelling.label_set)
    before = world()

    with pytest.raises(DomainError) as refused:  # a file with no item in it: nothing is made
        services.project_split(
            actor=supervisor,
            project_id=labelling.pk,
            expected_state=state,
            label_set=["好", "坏"],
            file=SimpleUploadedFile("empty.jsonl", b"\n"),
            items_per_task=2,
        )
    assert refused.value.code == "invalid_file"
    assert Project.objects.get(pk=labelling.pk).label_set == old and world() == before

    made = services.project_split(
        actor=supervisor,
        project_id=labelling.pk,
        expected_state=state,
        label_set=["好", "坏"],
        file=reviews(4),
        items_per_task=2,
    )
    assert len(made) == 2 and Project.objects.get(pk=labelling.pk).label_set == ["好", "坏"]

    before = world()
    with pytest.raises(SplitStateChanged):
        services.project_split(
            actor=supervisor,
            project_id=labelling.pk,
            expected_state=state,
            label_set=["一", "二"],
            file=reviews(4),
            items_per_task=2,
        )
    assert Project.objects.get(pk=labelling.pk).label_set == ["好", "坏"] and world() == before


def test_a_background_split_requested_twice_is_queued_once(supervisor, labelling, tmp_path):
    state = selectors.split_state(labelling)
    order = {"items_per_task": 2, "label_set": ["好", "坏"], "expected_state": state}

    job = split_requests.split_request(actor=supervisor, project_id=labelling.pk, upload=reviews(6), **order)
    kept = sorted(p.name for p in (tmp_path / "splits").iterdir())
    before = world()
    with pytest.raises(SplitStateChanged):
        split_requests.split_request(actor=supervisor, project_id=labelling.pk, upload=reviews(6), **order)

    assert list(SplitJob.objects.filter(project=labelling).values_list("pk", flat=True)) == [job.pk]
    assert sorted(p.name for p in (tmp_path / "splits").iterdir()) == kept  # no second file kept
    assert Project.objects.get(pk=labelling.pk).label_set == ["好", "坏"] and world() == before
    # The queued job changed the state: a direct split from the same preview makes nothing either.
    with pytest.raises(SplitStateChanged):
        services.project_split(actor=supervisor, project_id=labelling.pk, file=reviews(6), **order)

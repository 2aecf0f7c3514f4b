"""Real threads against PostgreSQL: the same action sent several times at the same moment is done
once, by the services' own guards (the pages hold no transaction or lock)."""

import pytest

from core.errors import DomainError
from tasks import selectors, services
from tasks.errors import ClaimNextRepeated, ClaimNotActive, SplitStateChanged
from tasks.models import Claim, ClaimStatus, Kind, Submission, Task
from tests import factories
from tests.concurrency.threads import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def outcome(action):
    """What one thread's call came to: its result, or the domain error it raised."""
    try:
        return action()
    except DomainError as error:
        return error


def test_claim_the_next_one_tapped_four_times_at_once_claims_one_task(on_postgres, supervisor, company, mother):
    project = factories.project(supervisor, company, tasks=10, claim_limit=5)
    slot = factories.slot(supervisor, project)

    results = at_once(
        4,
        lambda i: outcome(
            lambda: services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk, after_claim_id=0)
        ),
    )

    made = [r for r in results if isinstance(r, Claim)]
    repeated = [r for r in results if isinstance(r, ClaimNextRepeated)]
    assert len(made) == 1 and len(repeated) == 3, results
    assert {r.details["claim"] for r in repeated} == {made[0].pk}
    assert list(Claim.objects.filter(worker=mother).values_list("pk", flat=True)) == [made[0].pk]
    slot.refresh_from_db()
    assert slot.claimed_count == 1


def test_without_after_claim_id_taps_at_once_are_separate_claims(on_postgres, supervisor, company, mother):
    # The guard above is the argument's doing: the same calls without it claim a task each.
    project = factories.project(supervisor, company, tasks=10, claim_limit=5)
    slot = factories.slot(supervisor, project)

    results = at_once(
        3, lambda i: outcome(lambda: services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk))
    )

    assert all(isinstance(r, Claim) for r in results), results
    assert Claim.objects.filter(worker=mother).count() == 3


def test_a_split_confirmed_four_times_at_once_is_made_once(on_postgres, supervisor, company):
    project = services.project_create(
        actor=supervisor,
        company_id=company.pk,
        kind=Kind.ASSEMBLY,
        title="同时",
        **factories.PROJECT_DEFAULTS[Kind.ASSEMBLY],
    )
    state = selectors.split_state(project)

    results = at_once(
        4,
        lambda i: outcome(
            lambda: services.project_split(
                actor=supervisor, project_id=project.pk, expected_state=state, total_units=30, units_per_task=10
            )
        ),
    )

    made = [r for r in results if isinstance(r, list)]
    assert len(made) == 1 and [type(r) for r in results].count(SplitStateChanged) == 3, results
    assert sorted(Task.objects.filter(project=project).values_list("pk", flat=True)) == sorted(t.pk for t in made[0])
    assert selectors.split_state(project) == [3, 0]


def test_a_hand_in_tapped_four_times_at_once_goes_in_once(on_postgres, supervisor, company, mother):
    # The pages call the service straight away (no claim read first): its lock on the claim is the guard.
    project = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1)
    claim = services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=factories.slot(supervisor, project).pk
    )

    results = at_once(
        4,
        lambda i: outcome(
            lambda: services.claim_submit(worker=mother, claim_id=claim.pk, text=f"第 {i} 稿", after_submission_id=0)
        ),
    )

    made = [r for r in results if isinstance(r, Submission)]
    assert len(made) == 1 and [type(r) for r in results].count(ClaimNotActive) == 3, results
    assert list(Submission.objects.values_list("pk", flat=True)) == [made[0].pk]
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SUBMITTED

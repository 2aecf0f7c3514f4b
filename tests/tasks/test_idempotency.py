"""Idempotency-Key on claim, claim-next, submit and release: a retry gets the first answer."""

import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import IdempotentRequest
from background import jobs as background_jobs
from tasks.models import Claim, ClaimStatus, Submission, SubmissionPhoto
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world


def post(user, path, body, *, key=None, format="json", language="zh-hans"):
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return api_for(user).post(path, body, format=format, **headers)


def claim_next_path(project):
    return f"/api/v1/projects/{project.pk}/claim-next"


def test_a_claim_next_whose_answer_was_lost_is_answered_again_not_claimed_twice(mother, assembly, slot):
    first = post(mother, claim_next_path(assembly), {"slot": slot.pk}, key="phone-1-claim-42")

    again = post(mother, claim_next_path(assembly), {"slot": slot.pk}, key="phone-1-claim-42")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Claim.objects.filter(worker=mother).count() == 1
    assert post(mother, claim_next_path(assembly), {"slot": slot.pk}, key="phone-1-claim-43").status_code == 201
    assert Claim.objects.filter(worker=mother).count() == 2


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(supervisor, mother, assembly, slot):
    other_slot = factories.slot(supervisor, assembly, starts_in=datetime.timedelta(hours=5))
    post(mother, claim_next_path(assembly), {"slot": slot.pk}, key="k-1")
    before = world()
    kept = list(IdempotentRequest.objects.values_list("pk", "status"))

    refused = post(mother, claim_next_path(assembly), {"slot": other_slot.pk}, key="k-1", language="en")

    assert_refused(refused, 409, "idempotency_key_reused", before)
    assert refused.json()["error"]["details"] == {"key": "k-1"}
    assert "new key" in refused.json()["error"]["message"]
    assert list(IdempotentRequest.objects.values_list("pk", "status")) == kept


def test_keys_belong_to_the_caller_and_the_endpoint(mother, other_mother, assembly, slot):
    task = assembly.tasks.order_by("pk").last()
    mine = post(mother, claim_next_path(assembly), {"slot": slot.pk}, key="same")

    hers = post(other_mother, claim_next_path(assembly), {"slot": slot.pk}, key="same")
    by_choice = post(mother, f"/api/v1/tasks/{task.pk}/claim", {"slot": slot.pk}, key="same")

    assert mine.status_code == hers.status_code == by_choice.status_code == 201
    assert len({mine.json()["id"], hers.json()["id"], by_choice.json()["id"]}) == 3
    assert "Idempotent-Replayed" not in hers and "Idempotent-Replayed" not in by_choice


def test_a_refusal_keeps_no_answer_and_the_retry_runs_again(supervisor, company, mother):
    project = factories.project(supervisor, company, tasks=3, claim_limit=1)
    slot = factories.slot(supervisor, project)
    held = post(mother, claim_next_path(project), {"slot": slot.pk}).json()
    before = world()

    refused = post(mother, claim_next_path(project), {"slot": slot.pk}, key="try-again")

    assert_refused(refused, 409, "claim_limit_reached", before)
    assert not IdempotentRequest.objects.exists()
    post(mother, f"/api/v1/claims/{held['id']}/release", {})
    retried = post(mother, claim_next_path(project), {"slot": slot.pk}, key="try-again")
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried


def test_the_answer_is_stored_with_the_claim_it_answers(mother, assembly, slot):
    made = post(mother, claim_next_path(assembly), {"slot": slot.pk}, key="stored").json()

    kept = IdempotentRequest.objects.get()
    assert (kept.user_id, kept.key, kept.endpoint, kept.status) == (
        mother.pk,
        "stored",
        f"POST project-claim-next pk={assembly.pk}",
        201,
    )
    assert Claim.objects.get(pk=made["id"]).status == ClaimStatus.ACTIVE
    assert len(kept.fingerprint) == 64


def test_a_hand_in_retried_after_a_dropped_connection_gets_its_submission(supervisor, company, mother):
    project = factories.project(supervisor, company, kind="copywriting", tasks=1)
    slot = factories.slot(supervisor, project)
    claim = post(mother, claim_next_path(project), {"slot": slot.pk}).json()
    path = f"/api/v1/claims/{claim['id']}/submit"

    first = post(mother, path, {"text": "纯棉睡衣，柔软透气。"}, key="hand-in-1")
    retried = post(mother, path, {"text": "纯棉睡衣，柔软透气。"}, key="hand-in-1")
    without_key = post(mother, path, {"text": "纯棉睡衣，柔软透气。"})

    assert first.status_code == retried.status_code == 201
    assert retried.json() == first.json()
    assert without_key.status_code == 409 and without_key.json()["error"]["code"] == "claim_not_active"
    assert Submission.objects.count() == 1


def jpeg(colour) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def test_a_hand_in_with_photos_is_fingerprinted_by_the_photos_content(settings, tmp_path, mother, assembly, slot):
    settings.HOMESLOT_PRIVATE_ROOT = tmp_path / "private"
    claim = post(mother, claim_next_path(assembly), {"slot": slot.pk}).json()
    path = f"/api/v1/claims/{claim['id']}/submit"

    first = post(mother, path, {"completed_units": 10, "photos": [jpeg((200, 0, 0))]}, key="p", format="multipart")
    renamed = jpeg((200, 0, 0))
    renamed.name = "IMG_0001.jpg"
    retried = post(mother, path, {"completed_units": 10, "photos": [renamed]}, key="p", format="multipart")
    before = world()
    other_photo = post(
        mother, path, {"completed_units": 10, "photos": [jpeg((0, 0, 200))]}, key="p", format="multipart"
    )

    assert first.status_code == retried.status_code == 201 and retried.json() == first.json()
    assert_refused(other_photo, 409, "idempotency_key_reused", before)
    assert SubmissionPhoto.objects.count() == 1


def test_a_release_retried_is_answered_again(mother, assembly, slot):
    claim = post(mother, claim_next_path(assembly), {"slot": slot.pk}).json()
    path = f"/api/v1/claims/{claim['id']}/release"

    first = post(mother, path, {}, key="give-back")
    retried = post(mother, path, {}, key="give-back")

    assert first.status_code == retried.status_code == 200
    assert retried.json() == first.json() and retried.json()["status"] == "released"


@pytest.mark.parametrize("key", ["", "x" * 201, "has space", "中文"])
def test_a_malformed_key_is_a_400_and_nothing_is_done(mother, assembly, slot, key):
    before = world()

    refused = post(mother, claim_next_path(assembly), {"slot": slot.pk}, key=key)

    assert_refused(refused, 400, "invalid_idempotency_key", before)


def test_kept_answers_are_pruned_after_48_hours(mother, assembly, slot):
    post(mother, claim_next_path(assembly), {"slot": slot.pk}, key="old")
    kept = IdempotentRequest.objects.get()

    with time_machine.travel(kept.created_at + datetime.timedelta(hours=47), tick=False):
        assert background_jobs.idempotent_requests_prune.call() == 0
    with time_machine.travel(kept.created_at + datetime.timedelta(hours=48, seconds=1), tick=False):
        assert background_jobs.idempotent_requests_prune.call() == 1
    assert not IdempotentRequest.objects.exists()


def test_the_schema_documents_the_header_on_every_retry_safe_endpoint(db):
    schema = api_for(None).get("/api/schema/?format=json").json()

    def headers(path):
        return [p["name"] for p in schema["paths"][path]["post"].get("parameters", []) if p["in"] == "header"]

    for path in (
        "/api/v1/projects/{id}/claim-next",
        "/api/v1/tasks/{id}/claim",
        "/api/v1/claims/{id}/submit",
        "/api/v1/claims/{id}/release",
        "/api/v1/payouts",
        "/api/v1/ledger/adjustments",
    ):
        assert headers(path) == ["Idempotency-Key"], path


def test_an_id_written_with_leading_zeros_is_the_same_endpoint(mother, assembly, slot):
    """``/tasks/007/claim`` and ``/tasks/7/claim`` are one endpoint: the same key claims once."""
    task = assembly.tasks.order_by("pk").first()
    client = api_for(mother)
    first = client.post(f"/api/v1/tasks/{task.pk}/claim", {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="z")
    again = client.post(f"/api/v1/tasks/00{task.pk}/claim", {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="z")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Claim.objects.filter(worker=mother).count() == 1

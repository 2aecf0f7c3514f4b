"""GET /api/v1/me/data-export: everything about her, nothing about anyone else (个人信息保护法 §45)."""

import datetime
import json

import pytest
import time_machine

from accounts.models import Consent, ConsentDocument
from notices.models import NoticeKind
from notices.services import notice_send
from tasks import services
from tests import factories
from tests.conftest import api_for
from workers import services as worker_services

pytestmark = pytest.mark.django_db
NOV_5 = datetime.datetime(2026, 11, 5, 2, tzinfo=datetime.UTC)
SECTIONS = [
    "format",
    "version",
    "exported_at",
    "account",
    "roles",
    "devices",
    "profile",
    "availability",
    "claims",
    "submissions",
    "reviews",
    "postings",
    "balances",
    "payouts",
    "notices",
    "skills",
    "appeals",
    "relatives",
    "notification_settings",
    "consents",
]


def work(supervisor, company, mother, *, text, reason):
    """She writes a text that is partly accepted... as copywriting, with a reason she can read."""
    project = factories.project(supervisor, company, kind="copywriting", tasks=2, title=f"文案 {mother.pk}")
    slot = factories.slot(supervisor, project)
    claim = services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )
    submission = services.claim_submit(worker=mother, claim_id=claim.pk, text=text)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="reject", reason=reason)
    services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True)
    return project


def export(user):
    with time_machine.travel(NOV_5, tick=False):
        return api_for(user).get("/api/v1/me/data-export")


def test_export_has_every_section_and_nothing_of_another_mother(supervisor, company, mother, other_mother):
    with time_machine.travel(NOV_5, tick=False):
        worker_services.worker_profile_save(user=mother, city="佛山市")
        card = factories.card_number()
        factories.payout_account(mother, number=card)
        worker_services.availability_replace(
            user=mother, windows=[{"weekday": 2, "start": datetime.time(9), "end": datetime.time(11, 30)}]
        )
        work(supervisor, company, mother, text="她的文案：纯棉睡衣", reason="请按要求重写")
        work(supervisor, company, other_mother, text="别人的文案：羊毛围巾", reason="别人的理由")
        notice_send(user_id=mother.pk, kind=NoticeKind.SLOT_STARTING, key="a", text="给她的通知")
        notice_send(user_id=other_mother.pk, kind=NoticeKind.SLOT_STARTING, key="a", text="给别人的通知")
        factories.api_token_for(mother, label="她的手机")
        Consent.objects.create(user=mother, document=ConsentDocument.PRIVACY, version="2026-12-01")
        Consent.objects.create(user=other_mother, document=ConsentDocument.TERMS, version="2026-12-01")

    response = export(mother)

    assert response.status_code == 200, response.content
    assert response["Content-Disposition"] == 'attachment; filename="homeslot-data-2026-11-05.json"'
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert list(data) == SECTIONS
    assert data["account"]["id"] == mother.pk and data["account"]["phone"] == mother.phone.removeprefix("+86")
    assert data["profile"]["city"] == "佛山市"
    account = data["profile"]["payout_account"]
    assert account["account_number_masked"] == f"****{card[-4:]}" and card not in response.content.decode()
    assert data["availability"] == [{"weekday": 2, "start": "09:00", "end": "11:30"}]
    assert [c["status"] for c in data["claims"]] == ["done", "active"]
    assert [s["text"] for s in data["submissions"]] == ["她的文案：纯棉睡衣"]
    assert [(r["decision"], r["reason"], r["automatic"]) for r in data["reviews"]] == [
        ("reject", "请按要求重写", False)
    ]
    texts = [n["text"] for n in data["notices"]]  # hers: the one above and the review's
    assert "给她的通知" in texts and any("请按要求重写" in t for t in texts) and "给别人的通知" not in texts
    assert not any("别人的理由" in t for t in texts)
    assert [d["label"] for d in data["devices"]] == ["她的手机"]
    assert data["roles"] == [] and data["payouts"] == []
    assert data["consents"] == [{"document": "privacy", "version": "2026-12-01", "at": "2026-11-05T10:00:00+08:00"}]
    # Nothing of anyone else: the other mother's work, notice or phone; the reviewer's phone or name.
    text = response.content.decode()
    for foreign in ("别人的文案", "别人的理由", "给别人的通知", other_mother.phone[3:], supervisor.phone[3:]):
        assert foreign not in text
    assert supervisor.display_name not in text


def test_postings_and_balances_are_in_the_export(supervisor, company, mother, finance):
    with time_machine.travel(NOV_5, tick=False):
        project = factories.project(supervisor, company, tasks=1, units_per_task=10)
        slot = factories.slot(supervisor, project)
        claim = services.task_claim_next(
            worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
        )
        submission = services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=10)
        services.submission_review(
            actor=supervisor, submission_id=submission.pk, decision="partial", accepted_units=8, reason="两件线头"
        )

    data = export(mother).json()

    assert [(p["kind"], p["direction"], p["amount_fen"], p["units"]) for p in data["postings"]] == [
        ("earning", "credit", 400, 8)
    ]
    assert [(b["company_name"], b["balance_fen"]) for b in data["balances"]] == [(company.name, 400)]
    assert data["reviews"][0]["accepted_units"] == 8


def test_staff_export_their_roles(company, finance):
    data = export(finance).json()

    assert data["profile"] is None
    assert data["roles"] == [{"company": company.name, "role": "finance", "since": data["roles"][0]["since"]}]


def test_anonymous_callers_get_nothing(db):
    assert api_for().get("/api/v1/me/data-export").status_code in (401, 403)


def test_her_levels_appeals_and_declared_relatives_are_in_the_export(supervisor, company, mother, other_mother):
    from accounts.models import Role
    from skills import services as skill_services
    from workers.relatives import relative_declare

    skill = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="精细缝纫")
    skill_services.level_grant_training(worker_id=mother.pk, skill_id=skill.pk, score=90)
    skill_services.level_grant_training(worker_id=other_mother.pk, skill_id=skill.pk, score=85)
    project = work(supervisor, company, mother, text="她的文案", reason="不符合要求")
    rejected = project.submissions.get(worker=mother)
    second = factories.staff(company, Role.SUPERVISOR)
    appeal = services.submission_appeal(worker=mother, submission_id=rejected.pk, reason="我按要求写的")
    services.appeal_decide(actor=second, appeal_id=appeal.pk, decision="uphold", reason="确实不符合")
    relative_declare(worker=mother, phone="13912345678")

    data = export(mother).json()

    assert [(s["skill"], s["level"], [c["to"] for c in s["changes"]]) for s in data["skills"]] == [("精细缝纫", 1, [1])]
    assert [(a["reason"], a["status"], a["decision_reason"]) for a in data["appeals"]] == [
        ("我按要求写的", "upheld", "确实不符合")
    ]
    assert [r["phone"] for r in data["relatives"]] == ["139****5678"]
    assert "13912345678" not in json.dumps(data, ensure_ascii=False)

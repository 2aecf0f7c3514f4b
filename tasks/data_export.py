"""Everything Homeslot holds about one person, as one JSON document (个人信息保护法 §45: her right to
a copy): ``GET /api/v1/me/data-export`` and the "下载我的数据" buttons.

Only her: her account, roles, devices, profile, week, claims, hand-ins, the reviews of her hand-ins
(the decision and its reason, never who reviewed), her ledger postings and balances, her payout
lines, her inbox and her consents, her levels, her appeals and the family members she declared (their
numbers masked). Nobody else's phone, name or work appears. Built in memory: it is
one person's data, a few thousand rows at most."""

import datetime

from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, Consent, Membership, User
from accounts.phones import phone_masked, phone_national
from ledger import selectors as ledger_selectors
from ledger.models import PayoutLine
from notices import selectors as notice_selectors
from notices.models import Notice
from skills.models import LevelChange, WorkerSkill
from tasks.models import Appeal, Claim, Review, Submission
from workers.models import AvailabilityWindow, DeclaredRelative, PayoutAccount, WorkerProfile

FORMAT_VERSION = 1


def _at(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def data_export_for(user: User) -> dict:
    """Her data, sections in a fixed order; a section she has nothing in is empty, never missing."""
    return {
        "format": "homeslot-data-export",
        "version": FORMAT_VERSION,
        "exported_at": _at(timezone.now()),
        "account": _account(user),
        "roles": _roles(user),
        "devices": _devices(user),
        "profile": _profile(user),
        "availability": _availability(user),
        "claims": _claims(user),
        "submissions": _submissions(user),
        "reviews": _reviews(user),
        "postings": _postings(user),
        "balances": ledger_selectors.balances_for_worker(user),
        "payouts": _payouts(user),
        "notices": _notices(user),
        "skills": _skills(user),
        "appeals": _appeals(user),
        "relatives": _relatives(user),
        "notification_settings": _notification_settings(user),
        "consents": _consents(user),
    }


def _notification_settings(user: User) -> dict:
    """Her choices and quiet hours, and the browsers that get push (by the name she knows them by:
    an endpoint and its keys are the push service's, not hers to read)."""
    chosen = notice_selectors.settings_for(user.pk)
    fields = ["push_reviews", "push_reminders", "push_payouts", "push_other", "sms_reminders", "sms_payouts"]
    return {
        **{name: getattr(chosen, name) for name in fields},
        "quiet_start": chosen.quiet_start.strftime("%H:%M"),
        "quiet_end": chosen.quiet_end.strftime("%H:%M"),
        "app_seen_at": _at(chosen.app_seen_at),
        "push_browsers": [
            {"label": s.label, "created_at": _at(s.created_at)} for s in notice_selectors.push_subscriptions_for(user)
        ],
    }


def _account(user: User) -> dict:
    return {
        "id": user.pk,
        "phone": phone_national(user.phone),
        "display_name": user.display_name,
        "date_joined": _at(user.date_joined),
        "last_login": _at(user.last_login),
    }


def _roles(user: User) -> list[dict]:
    rows = Membership.objects.filter(user=user).select_related("company").order_by("company_id")
    return [{"company": m.company.name, "role": m.role, "since": _at(m.created_at)} for m in rows]


def _devices(user: User) -> list[dict]:
    rows = ApiToken.objects.filter(user=user).order_by("created_at", "pk")
    return [
        {
            "label": t.label,
            "created_at": _at(t.created_at),
            "last_used_at": _at(t.last_used_at),
            "expires_at": _at(t.expires_at),
        }
        for t in rows
    ]


def _profile(user: User) -> dict | None:
    profile = WorkerProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    return {
        "display_name": profile.display_name,
        "region": profile.region,
        "city": profile.city,
        "children_under_12": profile.children_under_12,
        "youngest_birth_year": profile.youngest_birth_year,
        "payout_account": _payout_account(user),
        "created_at": _at(profile.created_at),
        "updated_at": _at(profile.updated_at),
    }


def _payout_account(user: User) -> dict | None:
    """Masked, as everywhere but the bank file: an export is a file that travels."""
    account = PayoutAccount.objects.filter(worker=user).first()
    if account is None:
        return None
    return {
        "method": account.method,
        "account_name": account.account_name,
        "bank_name": account.bank_name,
        "account_number_masked": account.number_masked,
        "updated_at": _at(account.updated_at),
    }


def _availability(user: User) -> list[dict]:
    rows = AvailabilityWindow.objects.filter(worker__user=user).order_by("weekday", "start")
    return [{"weekday": w.weekday, "start": w.start.strftime("%H:%M"), "end": w.end.strftime("%H:%M")} for w in rows]


def _claims(user: User) -> list[dict]:
    rows = Claim.objects.filter(worker=user).select_related("project__company", "slot", "task").order_by("pk")
    return [
        {
            "id": c.pk,
            "company": c.project.company.name,
            "project": c.project.title,
            "task": c.task.number,
            "slot": {"starts_at": _at(c.slot.starts_at), "ends_at": _at(c.slot.ends_at)},
            "status": c.status,
            "claimed_at": _at(c.claimed_at),
            "expires_at": _at(c.expires_at),
            "ended_at": _at(c.ended_at),
            "release_kind": c.release_kind,
            "release_reason": c.release_reason,
        }
        for c in rows
    ]


def _submissions(user: User) -> list[dict]:
    rows = (
        Submission.objects.filter(worker=user)
        .select_related("project__company", "task")
        .prefetch_related("photos")
        .order_by("pk")
    )
    return [
        {
            "id": s.pk,
            "claim": s.claim_id,
            "company": s.project.company.name,
            "project": s.project.title,
            "task": s.task.number,
            "status": s.status,
            "submitted_units": s.submitted_units,
            "text": s.text,
            "labels": s.labels,
            "submitted_at": _at(s.submitted_at),
            "photos": [
                {
                    "url": reverse("submission-photo", args=[p.pk]),
                    "width": p.width,
                    "height": p.height,
                    "bytes": p.bytes,
                    "created_at": _at(p.created_at),
                }
                for p in s.photos.all()
            ],
        }
        for s in rows
    ]


def _skills(user: User) -> list[dict]:
    """Her level in each skill and every change of it."""
    changes: dict[int, list[dict]] = {}
    for change in LevelChange.objects.filter(worker=user).order_by("at", "pk"):
        changes.setdefault(change.skill_id, []).append(
            {"from": change.from_level, "to": change.to_level, "cause": change.cause, "at": _at(change.at)}
        )
    return [
        {
            "company": held.skill.company.name,
            "skill": held.skill.name,
            "level": held.level,
            "trained_at": _at(held.trained_at),
            "changes": changes.get(held.skill_id, []),
        }
        for held in WorkerSkill.objects.filter(worker=user).select_related("skill__company").order_by("pk")
    ]


def _appeals(user: User) -> list[dict]:
    """Her appeals, her reason and the outcome's; who decided is the company's business and not shown."""
    return [
        {
            "submission": a.submission_id,
            "reason": a.reason,
            "status": a.status,
            "units_before": a.units_before,
            "units_after": a.units_after,
            "decision_reason": a.decision_reason,
            "appealed_at": _at(a.created_at),
            "decided_at": _at(a.decided_at),
        }
        for a in Appeal.objects.filter(worker=user).order_by("pk")
    ]


def _relatives(user: User) -> list[dict]:
    """The family members she declared: their numbers are theirs, so masked here as everywhere."""
    return [
        {"phone": phone_masked(r.phone), "declared_at": _at(r.created_at)}
        for r in DeclaredRelative.objects.filter(worker=user).order_by("pk")
    ]


def _reviews(user: User) -> list[dict]:
    """The decisions on her hand-ins; who decided is the company's business and not shown."""
    rows = Review.objects.filter(submission__worker=user).order_by("pk")
    return [
        {
            "submission": r.submission_id,
            "decision": r.decision,
            "accepted_units": r.accepted_units,
            "reason": r.reason,
            "score": r.score,
            "decided_at": _at(r.decided_at),
            "automatic": r.reviewer_id is None,
        }
        for r in rows
    ]


def _postings(user: User) -> list[dict]:
    rows = ledger_selectors.payable_postings_for_worker(user).order_by("created_at", "id")
    return [
        {
            "at": _at(p.created_at),
            "company": p.account.company.name,
            "kind": p.transaction.kind,
            "direction": "credit" if p.direction == "C" else "debit",
            "amount_fen": p.amount_fen,
            "project": p.transaction.project.title if p.transaction.project else None,
            "task": p.transaction.task.number if p.transaction.task else None,
            "units": p.transaction.units,
            "memo": p.transaction.memo,
        }
        for p in rows
    ]


def _payouts(user: User) -> list[dict]:
    rows = PayoutLine.objects.filter(worker=user).select_related("batch", "company").order_by("batch_id")
    return [
        {
            "company": line.company.name,
            "period_start": line.batch.period_start.isoformat(),
            "period_end": line.batch.period_end.isoformat(),
            "status": line.batch.status,
            "amount_fen": line.amount_fen,
            "units": line.units,
            "paid_at": _at(line.batch.paid_at),
        }
        for line in rows
    ]


def _notices(user: User) -> list[dict]:
    rows = Notice.objects.filter(user=user).order_by("created_at", "pk")
    return [{"kind": n.kind, "text": n.text, "created_at": _at(n.created_at), "read_at": _at(n.read_at)} for n in rows]


def _consents(user: User) -> list[dict]:
    rows = Consent.objects.filter(user=user).order_by("at", "pk")
    return [{"document": c.document, "version": c.version, "at": _at(c.at)} for c in rows]

"""Projects: create, change the terms, publish / pause / close (above the region's pay floor)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.errors import CompanyNotApproved
from accounts.models import CompanyStatus, User
from core.errors import Invalid, WrongState
from fairwork import selectors as fairwork
from fairwork.errors import BelowPayFloor, RegionUnknown
from tasks.errors import InvalidKind, LabelSetRequired, NoTasks, TermsFixed
from tasks.models import DEFAULT_UNITS, Kind, Project, ProjectStatus
from tasks.services._career_terms import CAREER_FIELDS, apply_career_terms
from tasks.services._common import _bounded_int, _locked_project, _publish_progress, _require_supervising

EDITABLE_FIELDS = (
    "title",
    "instructions",
    "piece_rate",
    "unit",
    "minutes_per_unit",
    "region",
    "pickup_point",
    "dropoff_point",
    "label_set",
    "grace_minutes",
    "review_window_hours",
    "claim_limit",
    "gold_min_accuracy",
    "item_retries",
    *CAREER_FIELDS,
)
# Labelling quality terms a supervisor sets (tasks.gold, tasks.services.item_retries), with their top.
QUALITY_BOUNDS = {"gold_min_accuracy": 100, "item_retries": 5}
# Mothers claimed at the terms they saw: once a project is out, its pay may only go up.
TERMS_FIXED_AFTER_DRAFT = ("piece_rate", "minutes_per_unit")


@transaction.atomic
def project_create(
    *,
    actor: User,
    company_id: int,
    kind: str,
    title: str,
    piece_rate: Decimal | str,
    minutes_per_unit: Decimal | str | int,
    **fields: Any,
) -> Project:
    _require_supervising(actor, company_id)
    if kind not in Kind.values:
        raise InvalidKind(details={"kind": kind})
    fields.setdefault("unit", DEFAULT_UNITS[Kind(kind)])
    project = Project(company_id=company_id, kind=kind, title=title, created_by=actor)
    _apply_terms(project, {"piece_rate": piece_rate, "minutes_per_unit": minutes_per_unit, **fields})
    project.save()
    audit_record(actor=actor, action="project.create", target=project, company_id=company_id)
    return project


@transaction.atomic
def project_update(*, actor: User, project_id: int, changes: dict[str, Any]) -> Project:
    project = _locked_project(actor, project_id)
    if project.status == ProjectStatus.CLOSED:
        raise WrongState(_("A closed project cannot be changed."))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = {name: getattr(project, name) for name in changes}
    _apply_terms(project, changes)
    pay_went_down = project.piece_rate < before.get("piece_rate", project.piece_rate) or (
        project.minutes_per_unit > before.get("minutes_per_unit", project.minutes_per_unit)
    )
    if project.status != ProjectStatus.DRAFT and pay_went_down:
        raise TermsFixed()
    if project.status == ProjectStatus.PUBLISHED and "region" in changes:
        _require_pay_floor(project)  # a new region may have a higher minimum, or none on file
    project.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor,
        action="project.update",
        target=project,
        company_id=project.company_id,
        changed={k: str(v) for k, v in changes.items()},
    )
    return project


def _apply_terms(project: Project, values: dict) -> None:
    career = {name: values[name] for name in CAREER_FIELDS if name in values}
    for name, value in values.items():
        if name in career:
            continue
        if name in ("piece_rate", "minutes_per_unit"):
            value = _positive_decimal(value, name, places=4 if name == "piece_rate" else 2)
        elif name in ("grace_minutes", "review_window_hours", "claim_limit"):
            value = _bounded_int(
                value,
                name,
                low=0 if name == "grace_minutes" else 1,
                high=24 * 60 if name == "grace_minutes" else 24 * 30,
            )
        elif name in QUALITY_BOUNDS:
            value = _bounded_int(value, name, low=0, high=QUALITY_BOUNDS[name])
        elif name == "label_set":
            value = _label_set(value)
        elif name in ("title",) and not str(value or "").strip():
            raise Invalid(_("Please give the project a title."), details={"field": "title"})
        setattr(project, name, value)
    if project.kind == Kind.LABELLING and not project.label_set:
        raise LabelSetRequired()
    apply_career_terms(project=project, values=career)


def _positive_decimal(value, name: str, *, places: int) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = Decimal(0)
    if not number.is_finite() or number <= 0 or number.as_tuple().exponent < -places or number >= 10**6:
        raise Invalid(
            _("%(field)s must be a positive number with at most %(places)s decimal places.")
            % {"field": name, "places": places},
            details={"field": name},
        )
    return number


def _label_set(value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise Invalid(_("The label set must be a list of labels."), details={"field": "label_set"})
    labels = [v.strip() for v in value]
    if len(set(labels)) != len(labels) or not 2 <= len(labels) <= 50:
        raise Invalid(_("The label set needs 2 to 50 different labels."), details={"field": "label_set"})
    return labels


_TRANSITIONS = {
    "publish": ({ProjectStatus.DRAFT, ProjectStatus.PAUSED}, ProjectStatus.PUBLISHED),
    "pause": ({ProjectStatus.PUBLISHED}, ProjectStatus.PAUSED),
    "close": ({ProjectStatus.DRAFT, ProjectStatus.PUBLISHED, ProjectStatus.PAUSED}, ProjectStatus.CLOSED),
}


@transaction.atomic
def project_transition(*, actor: User, project_id: int, action: str) -> Project:
    """publish / pause / close."""
    allowed_from, target = _TRANSITIONS[action]
    project = _locked_project(actor, project_id)
    if project.status not in allowed_from:
        raise WrongState(
            _("A %(status)s project cannot be %(action)s.")
            % {"status": project.get_status_display(), "action": _TRANSITION_WORDS[action]},
            details={"status": project.status},
        )
    if action == "publish":
        if project.company.status != CompanyStatus.APPROVED:
            raise CompanyNotApproved(details={"company_status": project.company.status})
        if not project.tasks.exists():
            raise NoTasks()
        _require_pay_floor(project)
    before = project.status
    project.status = target
    project.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=f"project.{action}", target=project, company_id=project.company_id, before=before)
    _publish_progress(project)
    return project


def _require_pay_floor(project: Project) -> None:
    """Published work must pay at least the region's part-time minimum hourly wage."""
    floor = fairwork.floor_for(project.region)
    if floor is None:
        raise RegionUnknown(details={"region": project.region, "known_regions": fairwork.known_regions()})
    if project.implied_hourly_pay < floor.yuan_per_hour:
        raise BelowPayFloor(
            details={
                "implied_hourly_pay": f"{project.implied_hourly_pay:.2f}",
                "pay_floor": f"{floor.yuan_per_hour:.2f}",
                "region": floor.region,
                "floor_confirmed": floor.confirmed,
                "minimum_piece_rate": f"{(floor.yuan_per_hour * project.minutes_per_unit / 60):.4f}",
            }
        )


# Lazy: read in the caller's language when a refusal is worded, not in the language of import time.
_TRANSITION_WORDS = {
    "publish": gettext_lazy("published"),
    "pause": gettext_lazy("paused"),
    "close": gettext_lazy("closed"),
}

"""The demo's career path (``seed_demo``): a skill of 示例制衣厂 (情感标注) with its three levels, a
paid training of it whose items all have known answers (checked the moment she hands in), and
work that needs level 1 and pays more at levels 2 and 3. Mother 13900000001 has passed the
training, through the real services: she sees the work unlocked; the others see it locked with
the training that opens it.

Idempotent like the rest of the demo: what exists is left as it is."""

import json
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Company, User
from skills import services as skill_services
from skills.models import Skill, WorkerSkill
from tasks import services
from tasks.models import Claim, Kind, LabelItem, Project, ProjectStatus, TimeSlot

SKILL = "情感标注"
TRAINING = "情感标注入门培训（带薪）"
SKILLED = "电商评论情感细标（一级起）"
LABELS = ["好评", "中评", "差评"]
# Each with its known answer: the training teaches by them.
EXAMPLES = [
    ("质量很好，孩子很喜欢", "好评"),
    ("物流太慢了，等了一周", "差评"),
    ("一般般，和图片差不多", "中评"),
    ("包装破了，东西也有划痕", "差评"),
    ("性价比高，会回购", "好评"),
]


def career_seed(*, company: Company, supervisor: User, mothers: list[User], slots) -> None:
    """``slots(project)``: the demo's slots for the coming week (seed_demo's own)."""
    skill = Skill.objects.filter(company=company, name=SKILL).first() or skill_services.skill_create(
        actor=supervisor,
        company_id=company.pk,
        name=SKILL,
        unit="条",
        description="判断买家评论是好评、中评还是差评。通过带薪培训即为一级；做得越好，等级越高、单价越高。",
    )
    training = _project(
        supervisor,
        company,
        title=TRAINING,
        instructions="10 条练习评论，每条都有标准答案。答对 80% 即通过，获得一级。培训按件计酬。",
        piece_rate=Decimal("0.3000"),
        minutes_per_unit=Decimal("0.50"),
        skill=skill.pk,
        training=True,
        training_pass_score=80,
        training_attempts=2,
        rows=[{"text": text, "expected": label} for text, label in EXAMPLES * 2] * 3,
        gold_field="expected",
        slots=slots,
    )
    _project(
        supervisor,
        company,
        title=SKILLED,
        instructions="细分评论情感。需要情感标注一级；二级、三级单价更高。",
        piece_rate=Decimal("0.0400"),
        minutes_per_unit=Decimal("0.08"),
        skill=skill.pk,
        min_level=1,
        piece_rate_by_level={"2": "0.0450", "3": "0.0500"},
        rows=[{"text": f"{text}（细标#{n + 1}）"} for n, (text, _label) in enumerate(EXAMPLES * 20)],
        slots=slots,
    )
    _pass_training(mothers[0], training)


def _project(actor, company, *, title, rows, slots, gold_field=None, **fields) -> Project:
    project = Project.objects.filter(company=company, title=title).first()
    if project is None:
        project = services.project_create(
            actor=actor,
            company_id=company.pk,
            kind=Kind.LABELLING,
            title=title,
            label_set=LABELS,
            region="广东省佛山市",
            **fields,
        )
        body = "\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
        upload = SimpleUploadedFile("items.jsonl", body.encode())
        services.project_split(
            actor=actor, project_id=project.pk, file=upload, items_per_task=10, gold_field=gold_field
        )
    slots(project)
    if project.status == ProjectStatus.DRAFT:
        services.project_transition(actor=actor, project_id=project.pk, action="publish")
    return project


def _pass_training(mother: User, training: Project) -> None:
    """She claims a training task for its next slot and labels every item right: checked at once."""
    if WorkerSkill.objects.filter(worker=mother, skill_id=training.skill_id, level__gte=1).exists():
        return
    if Claim.objects.filter(worker=mother, project=training).exists():
        return  # a run that stopped halfway: her claim is hers to hand in
    slot = TimeSlot.objects.filter(project=training, ends_at__gt=timezone.now()).order_by("starts_at").first()
    if slot is None:
        return
    claim = services.task_claim_next(
        worker=mother, project_id=training.pk, slot_id=slot.pk, confirm_outside_availability=True
    )
    answers = {str(item.pk): item.expected_label for item in LabelItem.objects.filter(task_id=claim.task_id)}
    services.claim_submit(worker=mother, claim_id=claim.pk, labels=answers)

"""The career path's API: a company's skills (``GET, POST /api/v1/skills``) and her path in each
(``GET /api/v1/me/skills``)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from accounts.errors import CompanyRequired
from accounts.idempotency import HEADER_PARAMETER, idempotent
from accounts.permissions import IsCompanyStaff, IsWorker
from accounts.selectors import company_ids_for
from core.fields import StrictIntegerField
from skills import rules as level_rules
from skills import services as skill_services
from skills.models import MAX_LEVELS, Skill
from skills.selectors import rules_of, staff_skills
from tasks import career_path


class RuleIn(serializers.Serializer):
    level = StrictIntegerField(min_value=1, max_value=MAX_LEVELS)
    min_accepted_units = StrictIntegerField(min_value=0, max_value=1_000_000, required=False, default=0)
    min_acceptance_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, default=0
    )
    min_gold_accuracy = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True, default=None
    )


class SkillIn(serializers.Serializer):
    company = StrictIntegerField(required=False, help_text="needed when you are staff of several companies")
    name = serializers.CharField(max_length=64)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=8, required=False, default="件")
    levels = StrictIntegerField(min_value=1, max_value=MAX_LEVELS, required=False, default=3)
    rules = RuleIn(many=True, required=False, help_text="one per level, 1 to levels; default rules when left out")
    window = StrictIntegerField(min_value=1, max_value=1000, required=False, default=30)
    demotion_grace_days = StrictIntegerField(min_value=0, max_value=365, required=False, default=14)
    peer_review_open = serializers.BooleanField(required=False, default=False)
    peer_review_rate = serializers.DecimalField(
        max_digits=10, decimal_places=4, min_value=0, max_value=1000, required=False, default=0
    )


class RuleOut(serializers.Serializer):
    level = serializers.IntegerField()
    level_name = serializers.CharField()
    min_accepted_units = serializers.IntegerField()
    min_acceptance_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    min_gold_accuracy = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    words = serializers.CharField(help_text="the rule in one plain sentence")


class SkillOut(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    rules = serializers.SerializerMethodField()

    class Meta:
        model = Skill
        fields = [
            "id",
            "company",
            "company_name",
            "name",
            "description",
            "unit",
            "levels",
            "rules",
            "window",
            "demotion_grace_days",
            "peer_review_open",
            "peer_review_rate",
        ]

    @extend_schema_field(RuleOut(many=True))
    def get_rules(self, skill) -> list[dict]:
        return RuleOut(
            [
                {
                    "level": rule.level,
                    "level_name": level_rules.level_name(rule.level),
                    "min_accepted_units": rule.min_accepted_units,
                    "min_acceptance_rate": rule.min_acceptance_rate,
                    "min_gold_accuracy": rule.min_gold_accuracy,
                    "words": level_rules.rule_words(rule, unit=skill.unit),
                }
                for rule in rules_of(skill)
            ],
            many=True,
        ).data


class TrainingOut(serializers.Serializer):
    project = serializers.IntegerField()
    title = serializers.CharField()
    pass_score = serializers.IntegerField()
    attempts = serializers.IntegerField()
    attempts_left = serializers.IntegerField()
    piece_rate = serializers.DecimalField(max_digits=10, decimal_places=4)


class UnlockedProjectOut(serializers.Serializer):
    project = serializers.IntegerField()
    title = serializers.CharField()


class LevelRateOut(UnlockedProjectOut):
    piece_rate = serializers.DecimalField(max_digits=10, decimal_places=4)


class UnlockOut(serializers.Serializer):
    level = serializers.IntegerField()
    level_name = serializers.CharField()
    projects = UnlockedProjectOut(many=True)
    rates = LevelRateOut(many=True)


class MySkillOut(serializers.Serializer):
    skill = serializers.IntegerField()
    skill_name = serializers.CharField()
    company = serializers.IntegerField()
    company_name = serializers.CharField()
    unit = serializers.CharField()
    levels = serializers.IntegerField()
    level = serializers.IntegerField()
    level_name = serializers.CharField()
    next_level = serializers.IntegerField(allow_null=True)
    next_level_name = serializers.CharField(allow_null=True)
    progress = serializers.FloatField(help_text="0..1 toward the next level")
    how_to_next = serializers.CharField(allow_null=True)
    reviewed = serializers.IntegerField()
    accepted_units = serializers.IntegerField()
    acceptance_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    gold_accuracy = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    below_since = serializers.DateTimeField(allow_null=True, help_text="her work measured below her level since")
    keep_until = serializers.DateTimeField(allow_null=True, help_text="the level drops then unless her work recovers")
    training = TrainingOut(many=True)
    unlocks = UnlockOut(many=True)


class SkillListView(generics.ListAPIView):
    """Staff: the skills of their companies. A mother: the skills of companies with published work.
    POST (supervisor, admin): a new skill with its levels and rules."""

    permission_classes = [IsCompanyStaff | IsWorker]
    serializer_class = SkillOut

    def get_permissions(self):
        if self.request is not None and self.request.method == "POST":
            return [IsCompanyStaff()]  # the service then asks for a supervisor or an admin
        return super().get_permissions()

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            return Skill.objects.none()
        if company_ids_for(user):
            return staff_skills(user).select_related("company").order_by("company_id", "name", "pk")
        return career_path.skills_for_mothers().select_related("company").order_by("company_id", "name", "pk")

    @extend_schema(request=SkillIn, responses={201: SkillOut}, parameters=[HEADER_PARAMETER])
    @idempotent
    def post(self, request):
        given = SkillIn(data=request.data)
        given.is_valid(raise_exception=True)
        fields = dict(given.validated_data)
        company_id = fields.pop("company", None)
        if company_id is None:
            companies = company_ids_for(request.user)
            if len(companies) != 1:
                raise CompanyRequired(_("Please say which company this skill is for."))
            company_id = companies[0]
        if "rules" in fields:
            fields["rules"] = [dict(rule) for rule in fields["rules"]]
        skill = skill_services.skill_create(actor=request.user, company_id=company_id, **fields)
        return Response(SkillOut(skill).data, status=status.HTTP_201_CREATED)


class MySkillsView(generics.ListAPIView):
    """Her level and progress in each skill she holds or that published work needs."""

    permission_classes = [IsWorker]
    serializer_class = MySkillOut

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Skill.objects.none()
        return career_path.my_skills(self.request.user.pk)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        paths = [career_path.skill_path(request.user.pk, skill) for skill in page]
        return self.get_paginated_response(MySkillOut(paths, many=True).data)

"""The API schema's names of the choice sets more than one field shares (drf-spectacular's
``ENUM_NAME_OVERRIDES``): one name per set, so the schema has no generated ``…Dc1Enum``."""

ENUM_NAME_OVERRIDES = {
    "ProjectStatusEnum": "tasks.models.ProjectStatus",
    "TaskStatusEnum": "tasks.models.TaskStatus",
    "ClaimStatusEnum": "tasks.models.ClaimStatus",
    "SubmissionStatusEnum": "tasks.models.SubmissionStatus",
    "KindEnum": "tasks.models.Kind",
    "HandoverKindEnum": "tasks.models.HandoverKind",
    "DecisionEnum": "tasks.models.Decision",
    "AppealDecisionEnum": "tasks.services.appeals.APPEAL_DECISIONS",
    "NoticeKindEnum": "notices.models.NoticeKind",
    "PayoutStatusEnum": "ledger.models.PayoutStatus",
    "ExportStatusEnum": "core.export_jobs.ExportStatus",
}

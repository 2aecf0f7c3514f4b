"""The logical SMS templates: what a message is for, and the variables each carries.

Chinese providers send only templates approved beforehand, so a message names one of these; the
provider's own template id for it comes from ``HOMESLOT_SMS_TEMPLATES`` (a JSON object, logical name →
id). ``PARAMS`` gives each template's variables in the order a positional provider (Tencent's
``TemplateParamSet``) fills ``{1}``, ``{2}``…; a named provider (Aliyun's ``${code}``) uses the names.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SmsTemplate(models.TextChoices):
    CODE = "code", _("Verification code")
    INVITATION = "invitation", _("Staff invitation")
    PAYOUT_PAID = "payout_paid", _("Payout paid")
    CLAIM_EXPIRING = "claim_expiring", _("Claim about to expire")
    PAYOUT_ACCOUNT_CHANGED = "payout_account_changed", _("Payout account changed")
    COMPANY_REVIEWED = "company_reviewed", _("Company reviewed")
    NOTICE = "notice", _("Notice")


# The variables of each template, in the order of the approved template's placeholders. Suggested
# wording to have approved (the provider's syntax replaces the names):
#   code                    您的验证码是{code}，{minutes}分钟内有效。请勿告诉他人。
#   invitation              {company}邀请您加入妈妈岗工作台，邀请码{code}，{days}天内有效。
#   payout_paid             您的收入{amount}已发放，请留意到账。
#   claim_expiring          您领取的任务"{task}"将于{time}超时，请及时提交或放弃。
#   payout_account_changed  您的收款账户刚刚被修改。如非本人操作，请立即联系企业。
#   company_reviewed        您提交的企业"{company}"审核结果：{result}。
#   notice                  您有一条新消息：{text}
PARAMS: dict[str, tuple[str, ...]] = {
    SmsTemplate.CODE: ("code", "minutes"),
    SmsTemplate.INVITATION: ("company", "code", "days"),
    SmsTemplate.PAYOUT_PAID: ("amount",),
    SmsTemplate.CLAIM_EXPIRING: ("task", "time"),
    SmsTemplate.PAYOUT_ACCOUNT_CHANGED: (),
    SmsTemplate.COMPANY_REVIEWED: ("company", "result"),
    SmsTemplate.NOTICE: ("text",),
}


def template_params(template: str, params: dict[str, str] | None, *, text: str) -> dict[str, str]:
    """The template's variables, checked: an unknown template or a missing variable is a programming
    error (ValueError) caught by any backend, the memory one in tests too. Extra variables are dropped;
    ``notice`` takes the whole text as its ``text`` unless given one."""
    if template not in PARAMS:
        raise ValueError(f"Unknown SMS template {template!r}: one of {', '.join(PARAMS)}.")
    given = {str(name): str(value) for name, value in (params or {}).items()}
    if template == SmsTemplate.NOTICE:
        given.setdefault("text", text)
    missing = [name for name in PARAMS[template] if name not in given]
    if missing:
        raise ValueError(f"SMS template {template!r} needs {', '.join(missing)}.")
    return {name: given[name] for name in PARAMS[template]}

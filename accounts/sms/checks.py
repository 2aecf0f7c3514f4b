"""``manage.py check`` (and every server start) says what a provider backend misses, before the first
message fails. Registered when ``accounts.sms`` is imported (the admin imports it during setup)."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from accounts.sms.backends.base import sms_setting, sms_templates
from accounts.sms.templates import PARAMS

REQUIRED = {
    "aliyun": ("HOMESLOT_SMS_ALIYUN_ACCESS_KEY_ID", "HOMESLOT_SMS_ALIYUN_ACCESS_KEY_SECRET", "HOMESLOT_SMS_SIGN_NAME"),
    "tencent": (
        "HOMESLOT_SMS_TENCENT_SECRET_ID",
        "HOMESLOT_SMS_TENCENT_SECRET_KEY",
        "HOMESLOT_SMS_TENCENT_APP_ID",
        "HOMESLOT_SMS_SIGN_NAME",
    ),
}


@checks.register("sms")
def sms_settings_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    backend = str(getattr(settings, "HOMESLOT_SMS_BACKEND", "") or "console").strip().lower()
    if backend not in REQUIRED:
        return []
    found: list[checks.CheckMessage] = []
    missing = [name for name in REQUIRED[backend] if not str(sms_setting(name) or "").strip()]
    if missing:
        found.append(
            checks.Error(
                f"The {backend} SMS backend needs {', '.join(missing)}.",
                hint="Set them in the environment (README, section SMS).",
                id="accounts.E901",
            )
        )
    try:
        templates = sms_templates()
    except ImproperlyConfigured as exc:
        return [*found, checks.Error(str(exc), id="accounts.E902")]
    unmapped = [name for name in PARAMS if not templates.get(name)]
    if unmapped:
        found.append(
            checks.Warning(
                f"HOMESLOT_SMS_TEMPLATES has no template id for {', '.join(unmapped)}: such messages will fail.",
                hint='A JSON object of approved template ids, e.g. {"code": "SMS_123456789"}.',
                id="accounts.W901",
            )
        )
    return found

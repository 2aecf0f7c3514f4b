"""Her quiet hours move from her profile to her notification choices (``notices.NoticeSettings``):
push, SMS and reminders all wait for their end, and notices (below workers) reads them. Each
mother's hours are copied, only where they differ from the defaults (no row means the defaults);
going back copies them onto the profile again."""

import datetime

from django.db import migrations

DEFAULT = (datetime.time(22, 0), datetime.time(7, 0))


def copy_to_notices(apps, schema_editor):
    WorkerProfile = apps.get_model("workers", "WorkerProfile")
    NoticeSettings = apps.get_model("notices", "NoticeSettings")
    db = schema_editor.connection.alias
    for user_id, start, end in WorkerProfile.objects.using(db).values_list("user_id", "quiet_start", "quiet_end"):
        if (start, end) != DEFAULT:
            NoticeSettings.objects.using(db).update_or_create(
                user_id=user_id, defaults={"quiet_start": start, "quiet_end": end}
            )


def copy_back(apps, schema_editor):
    WorkerProfile = apps.get_model("workers", "WorkerProfile")
    NoticeSettings = apps.get_model("notices", "NoticeSettings")
    db = schema_editor.connection.alias
    for user_id, start, end in NoticeSettings.objects.using(db).values_list("user_id", "quiet_start", "quiet_end"):
        WorkerProfile.objects.using(db).filter(user_id=user_id).update(quiet_start=start, quiet_end=end)


class Migration(migrations.Migration):

    dependencies = [
        ("workers", "0004_payout_account"),
        ("notices", "0003_push_sms_settings"),
    ]

    operations = [
        migrations.RunPython(copy_to_notices, copy_back),
        migrations.RemoveField(model_name="workerprofile", name="quiet_end"),
        migrations.RemoveField(model_name="workerprofile", name="quiet_start"),
    ]

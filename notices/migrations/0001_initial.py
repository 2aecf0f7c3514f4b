"""The inbox model, moved from fairwork (see ``fairwork.0004_notice_moves_to_notices``): its table,
already renamed to ``notices_notice`` there, is taken over as it is — state only, no DDL. The
content type (and with it the admin's permissions and log entries) follows the model."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor, old="fairwork", new="notices"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="notice").exists():
        ContentType.objects.using(db).filter(app_label=old, model="notice").update(app_label=new)


def content_type_goes_back(apps, schema_editor):
    content_type_follows(apps, schema_editor, old="notices", new="fairwork")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('fairwork', '0004_notice_moves_to_notices'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Notice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('slot_starting', 'slot starting soon'), ('deadline_near', 'deadline near'), ('claim_expired', 'claim expired'), ('auto_accept_soon', 'auto-accept soon'), ('auto_accepted', 'accepted automatically'), ('hours_near_limit', 'hours near the limit'), ('pay_below_floor', 'measured pay below the floor'), ('settlement_overdue', 'settlement overdue')], max_length=20, verbose_name='kind')),
                        ('key', models.CharField(max_length=120, verbose_name='key')),
                        ('text', models.CharField(max_length=400, verbose_name='text')),
                        ('data', models.JSONField(default=dict, verbose_name='data')),
                        ('created_at', models.DateTimeField(verbose_name='created at')),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read at')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notices', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'notice',
                        'verbose_name_plural': 'notices',
                        'ordering': ['-created_at', '-id'],
                        'constraints': [models.UniqueConstraint(fields=('user', 'key'), name='notice_once_per_key')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, content_type_goes_back, elidable=True),
    ]

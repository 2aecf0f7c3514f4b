from django.db import migrations


def load(apps, schema_editor):
    from fairwork.floors import rows

    PayFloor = apps.get_model("fairwork", "PayFloor")
    for row in rows():
        PayFloor.objects.get_or_create(region=row["region"], effective_from=row["effective_from"], defaults=row)


def unload(apps, schema_editor):
    from fairwork.floors import INITIAL

    PayFloor = apps.get_model("fairwork", "PayFloor")
    for region, _rate, effective, _source in INITIAL:
        PayFloor.objects.filter(region=region, effective_from=effective, confirmed=False).delete()


class Migration(migrations.Migration):
    dependencies = [("fairwork", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]

from django.db import migrations

from tasks import claim_sql


class Migration(migrations.Migration):
    dependencies = [("tasks", "0002_claim_indexes")]

    operations = [migrations.RunPython(claim_sql.install, claim_sql.remove)]

from django.db import migrations

from ledger import guards


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(guards.install, guards.remove)]

"""The in-app inbox moves to its own app, ``notices``, with its rows.

The table is renamed ``fairwork_notice`` → ``notices_notice`` (a rename only: the rows, ids,
indexes and the ``notice_once_per_key`` constraint stay as they are; no foreign key, trigger or
raw SQL names this table). The model leaves fairwork's migration state here, and
``notices.0001_initial`` adds it to notices' state without touching the database.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('fairwork', '0003_settlement_overdue'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable(name='notice', table='notices_notice')],
            state_operations=[migrations.DeleteModel(name='notice')],
        ),
    ]

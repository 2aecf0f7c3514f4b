"""A declared relative is a phone number, registered or not (her answer never tells which)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("workers", "0006_declared_relative")]

    operations = [
        migrations.RemoveConstraint(model_name="declaredrelative", name="declared_relative_unique"),
        migrations.RemoveConstraint(model_name="declaredrelative", name="declared_relative_not_self"),
        migrations.RemoveField(model_name="declaredrelative", name="relative"),
        migrations.AddField(
            model_name="declaredrelative",
            name="phone",
            field=models.CharField(default="", max_length=16, verbose_name="phone"),
            preserve_default=False,
        ),
        migrations.AlterModelOptions(
            name="declaredrelative",
            options={
                "ordering": ["created_at", "id"],
                "verbose_name": "declared relative",
                "verbose_name_plural": "declared relatives",
            },
        ),
        migrations.AddConstraint(
            model_name="declaredrelative",
            constraint=models.UniqueConstraint(fields=("worker", "phone"), name="declared_relative_phone_unique"),
        ),
        migrations.AddIndex(
            model_name="declaredrelative",
            index=models.Index(fields=["phone"], name="declared_relative_phone_idx"),
        ),
    ]

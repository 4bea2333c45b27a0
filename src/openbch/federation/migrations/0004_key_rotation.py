from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0003_conflict_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="signingkey",
            name="rotation_statement",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="signingkey",
            name="rotation_signature",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
    ]

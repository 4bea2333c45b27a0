from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0002_conflict"),
    ]

    operations = [
        migrations.AddField(
            model_name="conflict",
            name="kind",
            field=models.CharField(default="diverged", max_length=16),
        ),
        migrations.AddField(
            model_name="conflict",
            name="withdrawn_reason",
            field=models.TextField(blank=True, default=""),
        ),
    ]

"""The public-participation roles: forum-moderator and participation-administrator (choices only)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_training_coordinator_role"),
    ]

    operations = [
        migrations.AlterField(
            model_name="roleassignment",
            name="role",
            field=models.CharField(
                choices=[
                    ("national-authorized-user", "national-authorized-user"),
                    ("national-publishing-authority", "national-publishing-authority"),
                    ("reference-validator", "reference-validator"),
                    ("training-coordinator", "training-coordinator"),
                    ("forum-moderator", "forum-moderator"),
                    ("participation-administrator", "participation-administrator"),
                    ("administrator", "administrator"),
                ],
                max_length=40,
            ),
        ),
    ]

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import saikoku.backoffice.kinds


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0004_task_status_and_due_dates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="task",
            name="due_on",
            field=models.DateField(
                default=saikoku.backoffice.kinds.fallback_due_on, verbose_name="期限"
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]

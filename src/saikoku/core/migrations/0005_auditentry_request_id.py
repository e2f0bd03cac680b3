"""The audit entry keeps the request id (core/request_id.py).

Nullable and without a default on purpose: SQLite then adds the column with ALTER TABLE
ADD COLUMN instead of rebuilding the table, which would drop the append-only triggers of
0002 with the old table (tests/core/test_request_id.py checks they survive).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_analysis"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="request_id",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
    ]

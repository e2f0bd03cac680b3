"""The incident register (インシデント管理簿), and its timeline append-only at the
database: UPDATE and DELETE of privacy_incidentaction refused, as for the audit trail
(core migration 0002). The statements are kept here so the migration stays what it was
when it ran; tests reuse `statements()` to lift the triggers around a flush.

A later migration that makes SQLite rebuild privacy_incidentaction (copy, drop, rename)
drops these triggers with the old table; tests/privacy/test_incidents.py fails if that
happens.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MESSAGE = "incident timeline is append-only"
TABLE = "privacy_incidentaction"

SQLITE_INSTALL = [
    f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete",
]
# As for the audit trail: restrict_violation surfaces as IntegrityError, and TRUNCATE of
# an empty table (a test runner's flush) destroys nothing and is let through.
POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' AND NOT EXISTS (SELECT 1 FROM {TABLE}) THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION '{MESSAGE}'
            USING ERRCODE = 'restrict_violation', DETAIL = TG_OP || ' refused';
    END;
    $$
    """,
    f"""
    CREATE TRIGGER {TABLE}_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()
    """,
    f"""
    CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()
    """,
]
POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update_delete ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_append_only()",
]


def statements(vendor: str, *, install: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    if vendor == "postgresql":
        return POSTGRESQL_INSTALL if install else POSTGRESQL_REMOVE
    raise NotImplementedError(f"no append-only triggers for database {vendor!r}")


def install(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, install=True):
        schema_editor.execute(sql, None)


def remove(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, install=False):
        schema_editor.execute(sql, None)


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0004_caution_note_encrypted'),
        ('privacy', '0004_custody_ledger_complete'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Incident',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200, verbose_name='件名')),
                ('what', models.TextField(max_length=4000, verbose_name='発生した事態')),
                ('occurred_at', models.DateTimeField(verbose_name='発生日時')),
                ('found_at', models.DateTimeField(verbose_name='発見日時')),
                ('found_by_name', models.CharField(max_length=150, verbose_name='発見者')),
                ('kind', models.CharField(choices=[('leak', '漏えい'), ('loss', '紛失・滅失'), ('damage', 'き損・改ざん'), ('misdelivery', '誤送付（郵便・SMS等）'), ('unauthorised_access', '不正アクセス'), ('improper_view', '権限外の閲覧'), ('malware', 'ウイルス感染'), ('other', 'その他')], max_length=20, verbose_name='種別')),
                ('scope', models.TextField(max_length=4000, verbose_name='範囲')),
                ('severity', models.CharField(choices=[('minor', '軽微'), ('serious', '重大'), ('critical', '極めて重大')], max_length=10, verbose_name='重大度')),
                ('affected_count', models.PositiveIntegerField(verbose_name='影響を受けた人数')),
                ('status', models.CharField(choices=[('open', '対応中'), ('reported', '区へ報告済み'), ('closed', '終結')], default='open', max_length=10, verbose_name='状態')),
                ('created_at', models.DateTimeField(verbose_name='登録日時')),
                ('reported_at', models.DateTimeField(blank=True, null=True, verbose_name='区への報告日時')),
                ('reported_by', models.CharField(blank=True, max_length=150, verbose_name='報告者')),
                ('reported_to', models.CharField(blank=True, max_length=200, verbose_name='報告先（区の担当者）')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='終結日時')),
                ('closed_by', models.CharField(blank=True, max_length=150, verbose_name='終結の確認者')),
                ('closing_summary', models.TextField(blank=True, max_length=4000, verbose_name='終結の概要')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('found_by_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='発見者（利用者）')),
            ],
            options={
                'verbose_name': 'インシデント',
                'verbose_name_plural': 'インシデント管理簿',
                'ordering': ['-found_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='IncidentAction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('created', '発見・登録'), ('action', '措置'), ('payers', '対象者の追加'), ('reported', '区へ報告'), ('closed', '終結')], max_length=10, verbose_name='区分')),
                ('at', models.DateTimeField(verbose_name='実施日時')),
                ('done_by', models.CharField(max_length=150, verbose_name='実施者')),
                ('text', models.TextField(max_length=4000, verbose_name='内容')),
                ('recorded_at', models.DateTimeField(verbose_name='記録日時')),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='actions', to='privacy.incident')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'インシデントの対応記録',
                'verbose_name_plural': 'インシデントの対応記録',
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='IncidentPayer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('added_at', models.DateTimeField(verbose_name='追加日時')),
                ('added_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='affected', to='privacy.incident')),
                ('payer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='incident_links', to='people.resident')),
            ],
            options={
                'verbose_name': 'インシデントの対象者',
                'verbose_name_plural': 'インシデントの対象者',
            },
        ),
        migrations.AddField(
            model_name='incident',
            name='payers',
            field=models.ManyToManyField(related_name='+', through='privacy.IncidentPayer', to='people.resident', verbose_name='対象者'),
        ),
        migrations.AddConstraint(
            model_name='incidentpayer',
            constraint=models.UniqueConstraint(fields=('incident', 'payer'), name='incident_payer_once'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(('found_at__gte', models.F('occurred_at'))), name='incident_found_after_it_occurred'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'closed'), _negated=True), ('closed_at__isnull', False), _connector='OR'), name='incident_closed_has_its_date'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'open'), ('reported_at__isnull', False), _connector='OR'), name='incident_reported_has_its_date'),
        ),
        migrations.RunPython(install, remove, elidable=False),
    ]

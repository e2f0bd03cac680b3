"""The audit trail is append-only at the database: UPDATE, DELETE and TRUNCATE refused.

Tamper evidence comes from the HMAC chain (core/audit/); these triggers make the
application and anyone using its database account unable to rewrite history by
accident or by a stray query. The statements are kept here (not imported from app
code) so the migration stays what it was when it ran. Tests reuse `statements()` to
lift the triggers when they tamper on purpose.

A later migration that makes SQLite rebuild core_auditentry (copy, drop, rename) drops
these triggers with the old table; tests/core/test_audit.py fails if that happens.
"""

from django.db import migrations

MESSAGE = "audit trail is append-only"

SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete",
]

# restrict_violation (SQLSTATE 23001) surfaces as IntegrityError, as SQLite's RAISE does.
# TRUNCATE of an empty table destroys nothing and is let through: test runners flush
# every table between transactional tests.
POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' AND NOT EXISTS (SELECT 1 FROM core_auditentry) THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION '{MESSAGE}'
            USING ERRCODE = 'restrict_violation', DETAIL = TG_OP || ' refused';
    END;
    $$
    """,
    """
    CREATE TRIGGER core_auditentry_no_update_delete
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only()
    """,
    """
    CREATE TRIGGER core_auditentry_no_truncate
    BEFORE TRUNCATE ON core_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_append_only()
    """,
]
POSTGRESQL_REMOVE = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry",
    "DROP TRIGGER IF EXISTS core_auditentry_no_update_delete ON core_auditentry",
    "DROP FUNCTION IF EXISTS core_auditentry_append_only()",
]


def statements(vendor: str, *, install: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    if vendor == "postgresql":
        return POSTGRESQL_INSTALL if install else POSTGRESQL_REMOVE
    # Fail loudly: an audit trail without its protection must not pass unnoticed.
    raise NotImplementedError(f"no append-only triggers for database {vendor!r}")


def install(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, install=True):
        schema_editor.execute(sql, None)


def remove(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, install=False):
        schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]

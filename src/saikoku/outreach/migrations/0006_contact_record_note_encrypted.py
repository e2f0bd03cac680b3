# The contact record's note encrypted at rest (privacy/keys.py); existing notes are
# encrypted here, and written back in clear when rolled back.

from django.db import migrations

import saikoku.privacy.fields


def encrypt(apps, schema_editor):
    from saikoku.privacy.fields import encrypt_existing_rows

    encrypt_existing_rows(apps.get_model("outreach", "ContactRecord"), "note")


def decrypt(apps, schema_editor):
    from saikoku.privacy.fields import decrypt_existing_rows

    decrypt_existing_rows(apps.get_model("outreach", "ContactRecord"), "note")


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0005_promise_amended_from'),
        ('privacy', '0003_data_keys'),
    ]

    operations = [
        migrations.AlterField(
            model_name='contactrecord',
            name='note',
            field=saikoku.privacy.fields.EncryptedTextField(blank=True, verbose_name='メモ'),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]

# The caution note encrypted at rest (privacy/keys.py); existing notes are encrypted
# here, and written back in clear when rolled back.

from django.db import migrations

import saikoku.privacy.fields


def encrypt(apps, schema_editor):
    from saikoku.privacy.fields import encrypt_existing_rows

    encrypt_existing_rows(apps.get_model("people", "Resident"), "caution_note")


def decrypt(apps, schema_editor):
    from saikoku.privacy.fields import decrypt_existing_rows

    decrypt_existing_rows(apps.get_model("people", "Resident"), "caution_note")


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0003_search_index_levies'),
        ('privacy', '0003_data_keys'),
    ]

    operations = [
        migrations.AlterField(
            model_name='resident',
            name='caution_note',
            field=saikoku.privacy.fields.EncryptedTextField(blank=True, verbose_name='処理注意の理由'),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]

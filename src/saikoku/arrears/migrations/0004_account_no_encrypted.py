# The account number encrypted at rest (privacy/keys.py), with a blind index to keep
# the import's unique key usable. Existing rows are encrypted here (needs the master
# key, like the running system); rolling back writes them back in clear.

from django.db import migrations

import saikoku.privacy.fields


def encrypt(apps, schema_editor):
    from saikoku.privacy.fields import encrypt_existing_rows

    encrypt_existing_rows(apps.get_model("arrears", "Account"), "account_no", index="account_no_hash")


def decrypt(apps, schema_editor):
    from saikoku.privacy.fields import decrypt_existing_rows

    decrypt_existing_rows(apps.get_model("arrears", "Account"), "account_no")


class Migration(migrations.Migration):

    dependencies = [
        ('arrears', '0003_bill_unpaid_by_payer'),
        ('privacy', '0003_data_keys'),
    ]

    operations = [
        migrations.AlterField(
            model_name='account',
            name='account_no',
            field=saikoku.privacy.fields.EncryptedTextField(max_length=10, verbose_name='口座番号'),
        ),
        migrations.AddField(
            model_name='account',
            name='account_no_hash',
            field=saikoku.privacy.fields.BlindIndexField(source='account_no'),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]

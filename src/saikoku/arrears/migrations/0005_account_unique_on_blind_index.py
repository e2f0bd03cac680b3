# The unique key of an account holds the blind index instead of the encrypted number
# (its own migration: on PostgreSQL the constraint changes after the rows are written).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('arrears', '0004_account_no_encrypted'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='account',
            name='unique_account',
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(fields=('payer', 'levy', 'bank_code', 'branch_code', 'account_no_hash'), name='unique_account'),
        ),
    ]

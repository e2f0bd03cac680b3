"""A campaign for the worker tests and the bench, set up and read from a separate
process (the workers run as processes of their own, on the same database):

    python -m support.sms_scenario setup --payers 300 --package DIR   # prints the id
    python -m support.sms_scenario stats --campaign ID                # prints JSON

`setup` loads a ward of N payers with one mobile number each through the real import,
widens the contact rules (any day, any hour: the test must not depend on the clock),
writes and approves a template and creates and approves a campaign (four eyes).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")


def _phone(i: int) -> str:
    # Numbers ending 9997-9999 get scripted errors at the fake gateway: none here.
    return f"090-{3000 + i // 9000:04d}-{i % 9000:04d}"


def _package(path: Path, payers: int) -> Path:
    from support.packages import assessment_row, bill_row, ward_package
    from support.sms_package import EXTRACTED_AT

    persons, assessments, bills = [], [], []
    for i in range(payers):
        resident = f"4{i:011d}"
        notice = f"RT25-{i:07d}"
        persons.append(
            {
                "resident_no": resident, "household_no": f"9{i:07d}", "is_householder": "1",
                "name": "試験 太郎", "name_kana": "シケン タロウ", "birth_date": "1980-01-01",
                "address": "東京都新宿区西新宿二丁目8-1",
                "phone_1": _phone(i),
            }
        )  # fmt: skip
        assessments.append(assessment_row("RT", 2025, notice, resident, 30000))
        bills.append(bill_row("RT", 2025, notice, 1, 30000, "2025-04-30", 0))
    files = {"persons.csv": persons, "assessments.csv": assessments, "bills.csv": bills}
    return ward_package(path, files, package_id=f"SMS-SCENARIO-{payers}", extracted_at=EXTRACTED_AT)


def setup(payers: int, folder: Path, *, again: bool = False) -> int:

    from django.contrib.auth import get_user_model

    from saikoku.interchange.services import package_import
    from saikoku.outreach.models import ContactSettings
    from saikoku.sms.models import SmsTemplate
    from saikoku.sms.templates import sms_template_approve, sms_template_save
    from support.personas import make_user

    if again:
        # A second campaign to the same ward (the bench's run with a kill).
        users = get_user_model().objects
        author, checker = users.get(username="sv_a"), users.get(username="sv_b")
        template = SmsTemplate.objects.get(name="お知らせ")
        return _campaign(author, checker, template)
    result = package_import(path=_package(folder / "ward.zip", payers), password=None, handler="t")
    assert result.status == "imported", result.problems
    # Any day, any hour, no gap: the workers' tests and the bench must not depend on
    # the clock, and the bench texts the same ward twice.
    ContactSettings.objects.update_or_create(
        pk=1,
        defaults={
            "weekday_start": "00:00", "weekday_end": "23:59", "saturday_start": "00:00",
            "saturday_end": "23:59", "sunday_allowed": True, "holiday_allowed": True,
            "min_gap_minutes": 0, "max_attempts_per_day": 100, "max_attempts_per_week": 100,
        },
    )  # fmt: skip
    author, checker, admin = (
        make_user("sv_a", "supervisor"),
        make_user("sv_b", "supervisor"),
        make_user("wa_a", "ward_admin"),
    )
    template = sms_template_save(
        actor=author,
        name="お知らせ",
        department="tax",
        texts={"ja": "{department}からのお知らせです。{callback_number}へお電話ください。"},
    )
    template = sms_template_approve(actor=admin, template=template, version=template.version)
    return _campaign(author, checker, template)


def _campaign(author, checker, template) -> int:
    from django.utils import timezone

    from saikoku.sms.campaigns import sms_campaign_approve, sms_campaign_create

    started = time.monotonic()
    campaign = sms_campaign_create(
        actor=author,
        name="worker",
        template=template,
        filters={"levies": ["RT"]},
        scheduled_at=timezone.now(),
    )
    build_seconds = time.monotonic() - started
    sms_campaign_approve(actor=checker, campaign=campaign)
    sys.stderr.write(f"build {build_seconds:.2f}s\n")
    return campaign.pk


def stats(campaign_id: int) -> dict:
    from django.db.models import Count

    from saikoku.outreach.models import ContactRecord
    from saikoku.sms.models import SmsCampaign, SmsMessage

    messages = SmsMessage.objects.filter(campaign_id=campaign_id)
    by_status = dict(messages.values_list("status").annotate(n=Count("pk")).order_by())
    records = ContactRecord.objects.filter(sms__campaign_id=campaign_id).count()
    return {
        "campaign": SmsCampaign.objects.get(pk=campaign_id).status,
        "messages": messages.count(),
        "by_status": by_status,
        "records": records,
        "records_sms": ContactRecord.objects.filter(channel="sms").count(),
    }


def main() -> None:
    import django

    django.setup()
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="action", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--payers", type=int, required=True)
    s.add_argument("--package", type=Path, required=True)
    s.add_argument("--again", action="store_true", help="only a new campaign")
    t = sub.add_parser("stats")
    t.add_argument("--campaign", type=int, required=True)
    args = parser.parse_args()
    if args.action == "setup":
        sys.stdout.write(f"{setup(args.payers, args.package, again=args.again)}\n")
    else:
        sys.stdout.write(json.dumps(stats(args.campaign)) + "\n")


if __name__ == "__main__":
    main()

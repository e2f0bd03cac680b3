"""A generated ward for the report tests: seeded payers of RT and NH with bills of
two fiscal years and payments on known days, loaded through the real import; then a
month (June 2025) of contacts written through the call screen's service, and SMS and
inbound rows as the dispatch and the phone system leave them.

Everything comes from `random.Random(seed)`, so the tests know what they loaded and
compute every figure again from these rows themselves.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from zoneinfo import ZoneInfo

from saikoku.inbound.models import CallState, InboundCall, Transfer
from saikoku.interchange.services import package_import
from saikoku.outreach.models import Channel
from saikoku.people.models import Resident
from saikoku.sms.models import SmsCampaign, SmsMessage, SmsTemplate
from support.calls import record_contact
from support.packages import assessment_row, bill_row, payment_row, ward_package

TOKYO = ZoneInfo("Asia/Tokyo")
PAYERS = 40
MONTH = "2025-06"
JUNE = [dt.date(2025, 6, d) for d in range(2, 28) if dt.date(2025, 6, d).weekday() < 5]
KANJI = "一二三四五六七八九十"
KANA = "アイウエオカキクケコ"
OUTCOMES = ["no_answer", "busy", "promise_to_pay", "contacted_payer", "wants_plan", "voicemail"]


def _payer_no(i: int) -> str:
    return f"30000000{i:04d}"


def build(path: Path, seed: int = 7) -> dict:
    rng = random.Random(seed)
    persons, assessments, bills, payments = [], [], [], []
    pay_seq = 0
    for i in range(PAYERS):
        no = _payer_no(i)
        persons.append(
            {
                "resident_no": no,
                "household_no": f"95{i:05d}",
                "is_householder": "1",
                "name": f"報告 {KANJI[i % 10]}{KANJI[i // 10]}",
                "name_kana": f"ホウコク {KANA[i % 10]}{KANA[i // 10]}",
                "birth_date": "1970-01-01",
                "address": f"東京都新宿区西新宿{i}-1",
                "phone_1": f"090-3000-{i:04d}",
            }
        )
        levy = "RT" if i % 3 else "NH"
        for fy in (2024, 2025):
            notice = f"{levy[0]}{fy % 100}-{i:06d}"
            amount = rng.choice([12000, 30000, 60000, 150000, 400000])
            assessments.append(
                assessment_row(
                    levy, fy, notice, no, amount * 2, insured_count=1 if levy == "NH" else None
                )
                if levy == "NH"
                else assessment_row(levy, fy, notice, no, amount * 2)
            )
            for period, due in ((1, dt.date(fy, 6, 30)), (2, dt.date(fy, 8, 31))):
                if fy == 2025 and period == 2:
                    due = dt.date(2025, 5, 31)  # a current-year bill already due in June
                paid = 0
                for _k in range(rng.choice([0, 0, 1, 2])):
                    part = rng.choice([amount // 4, amount // 2])
                    if paid + part > amount:
                        break
                    paid_on = dt.date(2025, 3, 1) + dt.timedelta(days=rng.randrange(0, 150))
                    pay_seq += 1
                    payments.append(
                        payment_row(
                            f"P{pay_seq:06d}",
                            levy,
                            fy,
                            notice,
                            period,
                            part,
                            paid_on.isoformat(),
                            "conbini",
                        )
                    )
                    paid += part
                bills.append(bill_row(levy, fy, notice, period, amount, due.isoformat(), paid))
    ward_package(
        path,
        {
            "persons.csv": persons,
            "assessments.csv": assessments,
            "bills.csv": bills,
            "payments.csv": payments,
        },
        package_id="REPORTS-TEST-0001",
        extracted_at=dt.datetime(2025, 7, 31, 6, 0, tzinfo=TOKYO),
    )
    return {"payments": len(payments), "bills": len(bills)}


def load(tmp_path: Path, *, operators, supervisor, seed: int = 7) -> dict[str, int]:
    build(tmp_path / "reports.zip", seed)
    result = package_import(path=tmp_path / "reports.zip", password=None, handler="test")
    assert result.status == "imported", result.problems
    ids = dict(Resident.objects.values_list("resident_no", "id"))
    rng = random.Random(seed + 1)
    payer_ids = [ids[_payer_no(i)] for i in range(PAYERS)]
    # Calls: half the payers get one to three calls in June.
    for payer_id in payer_ids[: PAYERS // 2]:
        for _n in range(rng.randint(1, 3)):
            day = rng.choice(JUNE)
            at = dt.datetime.combine(day, dt.time(10 + rng.randrange(0, 6)), tzinfo=TOKYO)
            outcome = rng.choice(OUTCOMES)
            said: dict = {}
            if outcome == "promise_to_pay":
                said = {"promise_on": day + dt.timedelta(days=5), "promise_amount": 10000}
            record_contact(
                actor=rng.choice(operators),
                payer_id=payer_id,
                outcome=outcome,
                now=at,
                identity_verified=outcome not in ("no_answer", "busy", "voicemail"),
                **said,
            )
    # SMS to a quarter of the payers, as the dispatch leaves them.
    template = SmsTemplate.objects.create(
        name="6月の催告",
        department="tax",
        created_by=supervisor,
        updated_by=supervisor,
        updated_at=dt.datetime(2025, 6, 1, tzinfo=TOKYO),
    )
    campaign = SmsCampaign.objects.create(
        name="6月",
        template=template,
        template_version=1,
        status=SmsCampaign.Status.DONE,
        scheduled_at=dt.datetime(2025, 6, 10, 9, tzinfo=TOKYO),
        created_by=supervisor,
        created_at=dt.datetime(2025, 6, 9, tzinfo=TOKYO),
    )
    for n, payer_id in enumerate(payer_ids[PAYERS // 2 : PAYERS // 2 + PAYERS // 4]):
        resident = Resident.objects.get(pk=payer_id)
        phone = resident.phones.first()
        status = [SmsMessage.Status.DELIVERED, SmsMessage.Status.SENT, SmsMessage.Status.FAILED][
            n % 3
        ]
        sent = (
            dt.datetime(2025, 6, 10, 9, n, tzinfo=TOKYO)
            if status != SmsMessage.Status.FAILED
            else None
        )
        SmsMessage.objects.create(
            campaign=campaign,
            payer_id=payer_id,
            phone=phone,
            to=phone.e164,
            language="ja",
            text="お知らせ",
            status=status,
            idempotency_key=f"k{n}",
            sent_at=sent,
            delivered_at=sent + dt.timedelta(minutes=1)
            if status == SmsMessage.Status.DELIVERED
            else None,
        )
    # Inbound calls: answered, abandoned, one transferred.
    for n in range(8):
        ring = dt.datetime(2025, 6, 3 + n, 11, 0, tzinfo=TOKYO)
        answered = ring + dt.timedelta(seconds=10 + 5 * n) if n % 4 else None
        call = InboundCall.objects.create(
            call_id=f"c{n}",
            state=CallState.ENDED if answered else CallState.ABANDONED,
            caller="+819030000000",
            operator=operators[n % len(operators)] if answered else None,
            ringing_at=ring,
            answered_at=answered,
            ended_at=(answered or ring) + dt.timedelta(seconds=120 + n),
            payer_id=payer_ids[n] if answered else None,
            updated_at=ring,
        )
        if n == 1:
            Transfer.objects.create(
                call=call,
                payer_id=payer_ids[n],
                department="tax",
                reason="wants_plan",
                summary="分納の相談",
                created_by=operators[0],
                created_at=answered,
            )
    return {"payers": len(payer_ids), "channel": Channel.OUTBOUND_CALL}

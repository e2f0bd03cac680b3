"""Reads of the results package (spec §4): the rows of its two files, contact records
and the phone numbers the center collected or confirmed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from saikoku.interchange.writer import neutralise_formula
from saikoku.outreach.eligibility import callable_phones
from saikoku.outreach.models import Channel, ContactRecord, Party

__all__ = ["CONTACT_HEADER", "PHONE_HEADER", "contact_rows", "phone_rows"]

CONTACT_HEADER = [
    "record_id",
    "payer_resident_no",
    "at",
    "channel",
    "operator_id",
    "party",
    "outcome",
    "promise_on",
    "promise_amount",
    "note",
]
PHONE_HEADER = ["payer_resident_no", "phone", "kind", "source", "confirmed_at"]
# The kinds spec §4 names; toll-free and other special numbers are not a payer's phone.
PHONE_KINDS = ("mobile", "landline", "ip")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def _local_iso(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def contact_rows(start: datetime | None) -> Iterable[list[Any]]:
    """Every contact record (from `start` on), oldest first, as the file's rows."""
    records = ContactRecord.objects.order_by("at", "pk")
    if start is not None:
        records = records.filter(at__gte=start)
    for row in records.values_list(
        "pk",
        "payer__resident_no",
        "at",
        "channel",
        "operator__username",
        "party",
        "outcome",
        "promise_on",
        "promise_amount",
        "note",
    ).iterator(chunk_size=2000):
        pk, resident_no, at, channel, operator, party, outcome, promise_on, amount, note = row
        yield [
            f"C{pk:08d}",
            resident_no,
            _local_iso(at),
            channel,
            operator,
            party,
            outcome,
            promise_on.isoformat() if promise_on else "",
            amount,
            note,
        ]


def phone_rows(start: datetime | None) -> Iterable[list[Any]]:
    """Numbers the center collected, and the ward's numbers a payer confirmed as theirs
    (a contact with the payer in person on that number); confirmed_at is the latest
    such contact. Numbers the center later found wrong or out of service are left out."""
    confirmations: dict[tuple[int, str], datetime] = {}
    for payer_id, e164, at in (
        ContactRecord.objects.filter(party=Party.SELF)
        .exclude(phone_e164="")
        .values("payer_id", "phone_e164")
        .annotate(last=Max("at"))
        .values_list("payer_id", "phone_e164", "last")
    ):
        confirmations[(payer_id, e164)] = at
    confirmed_by_payer = ContactRecord.objects.filter(
        party=Party.SELF, payer_id=OuterRef("resident_id"), phone_e164=OuterRef("e164")
    )
    phones = (
        callable_phones(channel=Channel.OUTBOUND_CALL)
        .filter(kind__in=PHONE_KINDS)
        .filter(~Q(source="ward") | Exists(confirmed_by_payer))
        .order_by("resident__resident_no", "position", "pk")
        .values_list("resident_id", "resident__resident_no", "e164", "kind", "source")
    )
    seen: set[tuple[int, str]] = set()
    for resident_id, resident_no, e164, kind, source in phones:
        key = (resident_id, e164)
        if key in seen:
            continue
        seen.add(key)
        confirmed = confirmations.get(key)
        if source == "ward" and (confirmed is None or (start is not None and confirmed < start)):
            continue
        # The number itself is E.164 as spec §4 asks: "+" then digits only, checked
        # here, so it cannot carry a formula and is written as it is.
        if not E164.fullmatch(e164):
            continue
        yield [
            neutralise_formula(resident_no),
            e164,
            neutralise_formula(kind),
            neutralise_formula(source),
            _local_iso(confirmed) if confirmed else "",
        ]

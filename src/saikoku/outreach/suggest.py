"""Which number to dial, and when, for the best chance of reaching the payer in person.

From the payer's own history of attempts (ContactRecord of channel outbound_call, not
amendments), per phone number and per two-hour band of the day (9–11, 11–13, …, 19–21,
Asia/Tokyo): the share of attempts answered by the payer (party "self"), smoothed as
(reached + 1) / (attempts + 2) so that one lucky call does not outweigh many. The
number with the best share is suggested, then the band with the best share.

Without history (no attempts on any usable number) the fallback is: in the evening
(from 17:00) mobile numbers first, as people are away from the landline at work; in
the daytime the ward's order (phone_1, phone_2, …). The suggested band without history
is 18:00–20:00 on weekdays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F

from saikoku.core.dates import TOKYO
from saikoku.outreach.models import Channel, ContactRecord, Party
from saikoku.people.models import Phone, PhoneKind

__all__ = ["BANDS", "Suggestion", "contact_suggestion"]

BANDS = [(h, h + 2) for h in range(9, 21, 2)]  # (9, 11) … (19, 21)
EVENING = 17


@dataclass(frozen=True)
class PhoneScore:
    phone: Phone
    attempts: int
    reached: int

    @property
    def share(self) -> float:
        return (self.reached + 1) / (self.attempts + 2)


@dataclass(frozen=True)
class Suggestion:
    phone: Phone | None
    band: tuple[int, int] | None
    from_history: bool
    phones: list[PhoneScore] = field(default_factory=list)

    @property
    def band_label(self) -> str:
        if self.band is None:
            return ""
        return f"{self.band[0]}:00〜{self.band[1]}:00"


def _band_of(at: dt.datetime) -> tuple[int, int] | None:
    hour = at.astimezone(TOKYO).hour
    for band in BANDS:
        if band[0] <= hour < band[1]:
            return band
    return None


def contact_suggestion(*, payer_id: int, now: dt.datetime) -> Suggestion:
    """The number and the time band most likely to reach this payer (two queries)."""
    phones = [
        p
        for p in Phone.objects.filter(
            resident_id=payer_id, is_valid=True, center_status__isnull=True
        )
        .exclude(e164="")
        .order_by(F("position").asc(nulls_last=True), "id")
    ]
    attempts = list(
        ContactRecord.objects.filter(
            payer_id=payer_id, channel=Channel.OUTBOUND_CALL, amends__isnull=True
        ).values_list("phone_id", "at", "party")
    )
    by_phone: dict[int, list[int]] = {}
    by_band: dict[tuple[int, int], list[int]] = {}
    for phone_id, at, party in attempts:
        reached = int(party == Party.SELF)
        if phone_id is not None:
            counts = by_phone.setdefault(phone_id, [0, 0])
            counts[0] += 1
            counts[1] += reached
        band = _band_of(at)
        if band is not None:
            counts = by_band.setdefault(band, [0, 0])
            counts[0] += 1
            counts[1] += reached
    scores = [
        PhoneScore(
            phone=p, attempts=by_phone.get(p.pk, [0, 0])[0], reached=by_phone.get(p.pk, [0, 0])[1]
        )
        for p in phones
    ]
    has_history = any(s.attempts for s in scores)
    if has_history:
        # Ties go to the ward's order (stable sort).
        ranked = sorted(scores, key=lambda s: -s.share)
    else:
        evening = now.astimezone(TOKYO).hour >= EVENING
        ranked = sorted(scores, key=lambda s: evening and s.phone.kind != PhoneKind.MOBILE)
    band = None
    if by_band:
        band = max(by_band.items(), key=lambda kv: ((kv[1][1] + 1) / (kv[1][0] + 2), -kv[0][0]))[0]
    elif phones:
        band = (18, 20)
    return Suggestion(
        phone=ranked[0].phone if ranked else None,
        band=band,
        from_history=has_history or bool(by_band),
        phones=ranked,
    )

"""Writes of contact records (交渉記録): the record of each attempt and everything it
sets in motion (contact_record_create); corrections are amendments.py.

A record is immutable once written: no service updates or deletes one; a correction
is a new record whose `amends` points to the original.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.backoffice.models import Task
from saikoku.backoffice.services import task_create
from saikoku.core.audit import audit_record, audit_record_many
from saikoku.core.bulk import insert_with_ids
from saikoku.outreach.calls.selectors import payer_open_entries
from saikoku.outreach.calls.services import UNLOCKED
from saikoku.outreach.eligibility import callable_phones
from saikoku.outreach.models import (
    Callback,
    CallListEntry,
    Channel,
    ContactRecord,
    ContactSettings,
    Party,
    PhoneStatus,
    Promise,
    Team,
)
from saikoku.outreach.outcomes import OUTCOMES, Outcome
from saikoku.outreach.records.selectors import departments_owed, unpaid_balance
from saikoku.outreach.rules import (
    BUDGET_CHANNELS,
    contact_allowed,
    contact_allowed_on,
    contact_attempts,
    format_when,
    next_open_at,
)
from saikoku.people.models import Phone

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = [
    "CallOutcome",
    "SmsSent",
    "contact_record_create",
    "contact_records_sms",
    "contact_records_sms_audit",
    "outcome_validate",
    "phone_status_mark",
    "record_audit",
]


@dataclass(frozen=True)
class CallOutcome:
    """What was said on one contact, as the operator records it (the call screen's
    outcome form). Whether the payer's identity was confirmed is not part of it: that
    comes from the server's own state, never from a form."""

    outcome: str  # a code of outcomes.OUTCOMES
    party: str = ""  # who answered, when the outcome does not fix it
    phone_id: int | None = None  # the number dialled, one of the payer's
    note: str = ""
    promise_on: dt.date | None = None
    promise_amount: int | None = None
    callback_at: dt.datetime | None = None
    callback_for_team: bool = False
    callback_requested_by_payer: bool = False
    channel: str = Channel.OUTBOUND_CALL


def outcome_validate(
    *,
    outcome: Outcome | None,
    identity_verified: bool,
    party: str,
    promise_on: dt.date | None,
    promise_amount: int | None,
    today: dt.date,
) -> str:
    """The party to record; raises ValidationError (Japanese, says how to fix it)."""
    if outcome is None:
        raise ValidationError(_("結果を一覧から選んでください。"), code="outcome")
    if outcome.needs_identity and not identity_verified:
        raise ValidationError(
            _(
                "「%(label)s」は本人確認の後でなければ記録できません。氏名と生年月日または住所を確認してください。"
            )
            % {"label": outcome.label},
            code="identity",
        )
    if (promise_on is not None or promise_amount is not None) and not identity_verified:
        raise ValidationError(
            _("本人確認ができていない相手との通話に金額や約束は記録できません。"), code="identity"
        )
    if outcome.party:
        party = outcome.party
    elif party not in (Party.SELF, Party.FAMILY, Party.OTHER):
        party = Party.OTHER
    if party == Party.SELF and not identity_verified:
        raise ValidationError(
            _("本人確認をしていないため、応対者を本人として記録できません。"), code="party"
        )
    if outcome.needs_promise:
        if promise_on is None or promise_amount is None:
            raise ValidationError(_("納付約束には約束日と金額を入力してください。"), code="promise")
        if promise_on < today:
            raise ValidationError(_("約束日は今日以降の日付を入力してください。"), code="promise")
        if promise_amount <= 0:
            raise ValidationError(_("約束金額は1円以上で入力してください。"), code="promise")
    elif promise_on is not None or promise_amount is not None:
        raise ValidationError(
            _("約束日と金額は「納付約束」のときだけ入力してください。"), code="promise"
        )
    return party


def _payer_phone(payer_id: int, phone_id: int | None) -> Phone | None:
    """The number dialled, which must be one of the payer's."""
    if phone_id is None:
        return None
    phone = Phone.objects.filter(pk=phone_id, resident_id=payer_id).first()
    if phone is None:
        raise ValidationError(_("この納付義務者の電話番号を選んでください。"), code="phone")
    return phone


def _check_callback_time(callback_at: dt.datetime | None, now: dt.datetime) -> None:
    """A callback is promised for a later moment inside the contact hours."""
    if callback_at is None:
        return
    if callback_at <= now:
        raise ValidationError(_("折返しの日時は今より後を指定してください。"), code="callback")
    opens = next_open_at(callback_at)
    if opens != callback_at:
        raise ValidationError(
            _("折返しの日時が連絡できる時間外です。%(when)s 以降を指定してください。")
            % {"when": format_when(opens) if opens else "—"},
            code="callback",
        )


def _spend_budget(
    *,
    payer_id: int,
    channel: str,
    now: dt.datetime,
    s: ContactSettings,
    working_callback: Callback | None,
) -> list[dt.datetime] | None:
    """The attempts the contact rules count, once they allow this contact now (else
    ValidationError saying when); None for a channel outside the shared budget."""
    if channel not in BUDGET_CHANNELS:
        return None
    attempts = contact_attempts(payer_id=payer_id, now=now)
    decision = contact_allowed_on(
        attempts,
        now=now,
        contact_settings=s,
        callback_requested=bool(working_callback and working_callback.requested_by_payer),
    )
    if not decision.allowed:
        raise ValidationError(decision.message, code=decision.code)
    return attempts


def _write_callback(
    *, said: CallOutcome, payer_id: int, record: ContactRecord, actor: User, now: dt.datetime
) -> Callback | None:
    """The callback the operator promised: their own, or their (first) team's."""
    if said.callback_at is None:
        return None
    teams = (
        list(Team.objects.filter(members=actor).values_list("pk", flat=True))
        if said.callback_for_team
        else []
    )
    return Callback.objects.create(
        payer_id=payer_id,
        due_at=said.callback_at,
        owner=None if said.callback_for_team else actor,
        team_id=teams[0] if teams else None,
        requested_by_payer=said.callback_requested_by_payer,
        note=said.note,
        contact_record=record,
        created_by=actor,
        created_at=now,
    )


def _write_tasks(
    *, spec: Outcome, owed: dict[str, int], record: ContactRecord, actor: User, now: dt.datetime
) -> list[Task]:
    """One back-office task per department of the levies owed, when the outcome asks."""
    if not spec.task_kind:
        return []
    return [
        task_create(
            payer_id=record.payer_id,
            kind=spec.task_kind,
            reason=spec.task_reason,
            summary=record.note or str(spec.label),
            department=department,
            contact_record=record,
            actor=actor,
            now=now,
        )
        for department in departments_owed(owed, record.payer_id)
    ]


def _retry_at(
    spec: Outcome,
    *,
    payer_id: int,
    now: dt.datetime,
    s: ContactSettings,
    phone: Phone | None,
    attempts: list[dt.datetime] | None = None,
) -> dt.datetime | None:
    """When to try again after this outcome (None: the entry is done). Within the
    contact rules: the record just written already counts."""
    if not spec.retry_minutes_setting:
        return None
    if spec.phone_status:
        others = callable_phones(channel=Channel.OUTBOUND_CALL).filter(resident_id=payer_id)
        if phone is not None:
            others = others.exclude(pk=phone.pk)
        if not others.exists():
            return None  # no number left to try
    at = now + dt.timedelta(minutes=getattr(s, spec.retry_minutes_setting))
    if attempts is not None:
        decision = contact_allowed_on(attempts, now=at, contact_settings=s)
    else:
        decision = contact_allowed(
            payer_id=payer_id, channel=Channel.OUTBOUND_CALL, now=at, contact_settings=s
        )
    return at if decision.allowed else decision.next_possible_at


def _finish_callbacks(
    held: list[Callback], *, spec: Outcome, callback: Callback | None, next_at: dt.datetime | None
) -> None:
    """The callback the operator was working is done, or, when nobody was reached and
    no new callback was promised, stays owed a little later; every lock ends."""
    if not held:
        return
    working = held[0]
    if spec.retry_minutes_setting and callback is None and next_at is not None:
        working.due_at = next_at  # nobody reached: the callback stays owed
    else:
        working.status = Callback.Status.DONE
    working.locked_by = None
    working.locked_until = None
    working.save(update_fields=["due_at", "status", "locked_by", "locked_until"])
    if len(held) > 1:
        Callback.objects.filter(pk__in=[c.pk for c in held[1:]]).update(**UNLOCKED)


def record_audit(
    actor: User, action: str, record: ContactRecord, client_addr: str, detail: dict
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="contact_record",
        object_id=str(record.pk),
        client_addr=client_addr,
        detail=detail,
    )


def contact_record_create(
    *,
    actor: User,
    payer_id: int,
    said: CallOutcome,
    identity_verified: bool = False,
    now: dt.datetime | None = None,
    client_addr: str = "",
    contact_settings: ContactSettings | None = None,
) -> ContactRecord:
    """Records one attempt, and everything it sets in motion, in one transaction: the
    promise, the callback, the back-office tasks, what the center learned about the
    number, the list entries' next step and the end of the operator's locks.

    identity_verified must come from the server's own state (the call screen keeps it
    per lock), never from a form field. Raises ValidationError with a Japanese message
    when the outcome needs identity, amounts are given for an unverified party, the
    contact rules refuse the call (their message says when it becomes possible), or a
    promise lacks its date or amount.
    """
    now = now or timezone.now()
    spec = OUTCOMES.get(said.outcome)
    party = outcome_validate(
        outcome=spec,
        identity_verified=identity_verified,
        party=said.party,
        promise_on=said.promise_on,
        promise_amount=said.promise_amount,
        today=timezone.localdate(now),
    )
    assert spec is not None
    phone = _payer_phone(payer_id, said.phone_id)
    _check_callback_time(said.callback_at, now)
    s = contact_settings or ContactSettings.current()
    with transaction.atomic(durable=True):
        held = list(
            Callback.objects.select_for_update()
            .filter(payer_id=payer_id, locked_by=actor, status=Callback.Status.OPEN)
            .order_by("pk")
        )
        attempts = _spend_budget(
            payer_id=payer_id,
            channel=said.channel,
            now=now,
            s=s,
            working_callback=held[0] if held else None,
        )
        entries = list(
            payer_open_entries(payer_id)
            .filter(Q(locked_by=actor) | Q(locked_by__isnull=True) | Q(locked_until__lte=now))
            .order_by("-priority", "pk")
        )
        record = ContactRecord.objects.create(
            payer_id=payer_id,
            at=now,
            channel=said.channel,
            operator=actor,
            phone=phone,
            phone_e164=phone.e164 if phone else "",
            party=party,
            identity_verified=identity_verified,
            outcome=said.outcome,
            promise_on=said.promise_on,
            promise_amount=said.promise_amount,
            note=said.note,
            call_list_entry=entries[0] if entries else None,
        )
        # The bills are read only when a promise or a task needs them (not for the
        # busy, no-answer and voicemail attempts that make up most records).
        owed = unpaid_balance(payer_id) if spec.needs_promise or spec.task_kind else {}
        if spec.needs_promise:
            # _validate refused a promise outcome without its date and amount.
            assert said.promise_on is not None and said.promise_amount is not None
            Promise.objects.create(
                payer_id=payer_id,
                contact_record=record,
                promised_on=said.promise_on,
                amount=said.promise_amount,
                balance_at_promise=sum(owed.values()),
            )
        callback = _write_callback(
            said=said, payer_id=payer_id, record=record, actor=actor, now=now
        )
        tasks = _write_tasks(spec=spec, owed=owed, record=record, actor=actor, now=now)
        if spec.phone_status and phone is not None:
            PhoneStatus.objects.update_or_create(
                phone=phone,
                defaults={"status": spec.phone_status, "recorded_at": now, "recorded_by": actor},
            )
        # The record just written counts as an attempt; a new callback brings the
        # payer back by itself.
        next_at = None
        if callback is None:
            next_at = _retry_at(
                spec,
                payer_id=payer_id,
                now=now,
                s=s,
                phone=phone,
                attempts=[*attempts, now] if attempts is not None else None,
            )
        CallListEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
            status=CallListEntry.Status.RETRY if next_at else CallListEntry.Status.DONE,
            next_attempt_at=next_at,
            attempts=F("attempts") + 1,
            last_outcome=said.outcome,
            **UNLOCKED,
        )
        _finish_callbacks(held, spec=spec, callback=callback, next_at=next_at)
        # Any other lock this operator held on the payer ends with the record (an
        # entry on a list closed meanwhile).
        CallListEntry.objects.filter(locked_by=actor, payer_id=payer_id).update(**UNLOCKED)
        record_audit(
            actor,
            "contact_record",
            record,
            client_addr,
            {
                "payer_id": payer_id,
                "outcome": said.outcome,
                "party": party,
                "identity_verified": identity_verified,
                "channel": said.channel,
                "tasks": [t.pk for t in tasks],
                "callback": callback.pk if callback else None,
            },
        )
    return record


def phone_status_mark(*, actor: User, phone: Phone, status: str, now: dt.datetime) -> None:
    """What the center learned about a number (the same PhoneStatus the call outcomes
    "wrong number" and "not in service" write): callable_phones leaves it out for every
    channel from now on."""
    PhoneStatus.objects.update_or_create(
        phone=phone, defaults={"status": status, "recorded_at": now, "recorded_by": actor}
    )


@dataclass(frozen=True)
class SmsSent:
    """One SMS the provider accepted, for `contact_records_sms`."""

    payer_id: int
    phone: Phone
    note: str
    at: dt.datetime


def contact_records_sms(
    *, actor: User, sent: list[SmsSent], outcome: str = "sms_sent"
) -> list[int]:
    """Records SMS the provider accepted, on the payers' timelines (channel "sms"; they
    spend the contact budget calls share), in their order, in one bulk insert; returns
    the records' ids. The sender checked the contact rules and eligibility just before
    sending (sms/dispatch/); an SMS reaches nobody in person, so it touches no
    call-list entry, promise or callback.

    Call it inside the caller's transaction, and `contact_records_sms_audit` with the
    ids as that transaction's last write (the audit chain's lock is held from the
    append to the commit)."""
    names = (
        "payer_id",
        "at",
        "channel",
        "operator_id",
        "phone_id",
        "phone_e164",
        "party",
        "identity_verified",
        "outcome",
        "note",
    )
    return insert_with_ids(
        ContactRecord,
        names,
        [
            (
                item.payer_id,
                item.at,
                Channel.SMS,
                actor.pk,
                item.phone.pk,
                item.phone.e164,
                Party.NONE,
                False,
                outcome,
                item.note,
            )
            for item in sent
        ],
    )


def contact_records_sms_audit(
    *, actor: User, ids: list[int], sent: list[SmsSent], outcome: str = "sms_sent"
) -> None:
    """The audit entries (`contact_record`, as a call's) of `contact_records_sms`."""
    audit_record_many(
        actor=actor,
        action="contact_record",
        object_type="contact_record",
        items=[
            (str(pk), {"payer_id": item.payer_id, "outcome": outcome, "channel": Channel.SMS})
            for pk, item in zip(ids, sent, strict=True)
        ],
    )

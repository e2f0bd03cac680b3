"""Campaigns: the audience through the one eligibility function, one message per
number, four-eyes approval, the send window, the send-time re-check, opt-outs, and
every message on the payer's timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from saikoku.interchange.services import package_import
from saikoku.outreach.models import Channel, ContactRecord, PhoneStatus
from saikoku.sms.campaigns import (
    sms_campaign_approve,
    sms_campaign_cancel,
    sms_campaign_create,
    sms_campaign_pause,
    sms_campaign_resume,
)
from saikoku.sms.dispatch import next_send_window, send_window_open, sms_dispatch_run
from saikoku.sms.models import SmsCampaign, SmsMessage
from saikoku.sms.preferences import sms_preference_record
from saikoku.sms.providers.console import ConsoleProvider
from support import sms_package as ward
from support.sms_package import NOW, TOKYO, build_payment_delta


def _create(actor, template, **kwargs):
    return sms_campaign_create(
        actor=actor,
        name="11月のお知らせ",
        template=template,
        filters=kwargs.pop("filters", {"levies": ["RT"]}),
        scheduled_at=kwargs.pop("scheduled_at", NOW),
        **kwargs,
    )


def _to(campaign) -> dict[int, SmsMessage]:
    return {m.payer_id: m for m in campaign.messages.all()}


def test_the_audience_is_mobile_eligible_numbers_once_each(
    sms_payers, supervisor, approved_template
):
    campaign = _create(supervisor, approved_template)
    messages = _to(campaign)
    assert sms_payers[ward.PLAIN] in messages
    assert sms_payers[ward.LANDLINE] not in messages
    assert sms_payers[ward.CAUTION] not in messages
    # A household sharing one number gets one message.
    shared = {sms_payers[ward.SHARED_A], sms_payers[ward.SHARED_B]} & set(messages)
    assert len(shared) == 1
    assert campaign.excluded_counts["caution"] == 1
    assert campaign.excluded_counts["no_callable_number"] == 1
    assert campaign.excluded_counts["shared_number"] == 1
    assert campaign.status == SmsCampaign.Status.PENDING


def test_the_variant_follows_nationality_and_falls_back_to_japanese(
    sms_payers, supervisor, approved_template
):
    messages = _to(_create(supervisor, approved_template))
    assert messages[sms_payers[ward.CHINESE]].language == "zh"
    assert "这是税务课的通知" in messages[sms_payers[ward.CHINESE]].text
    assert "请致电" in messages[sms_payers[ward.CHINESE]].text
    assert messages[sms_payers[ward.VIETNAMESE]].language == "ja"
    assert "送信専用" in messages[sms_payers[ward.PLAIN]].text


def test_a_language_an_operator_recorded_wins(sms_payers, operator, supervisor, approved_template):
    from saikoku.people.models import Resident

    payer = Resident.objects.get(pk=sms_payers[ward.PLAIN])
    sms_preference_record(actor=operator, payer=payer, do_not_text=False, language="zh")
    assert _to(_create(supervisor, approved_template))[payer.pk].language == "zh"


def test_an_opt_out_keeps_the_payer_out(sms_payers, operator, supervisor, approved_template):
    from saikoku.people.models import Resident

    payer = Resident.objects.get(pk=sms_payers[ward.PLAIN])
    sms_preference_record(actor=operator, payer=payer, do_not_text=True, language="")
    campaign = _create(supervisor, approved_template)
    assert payer.pk not in _to(campaign)
    assert campaign.excluded_counts["do_not_contact"] == 1


def test_the_creator_cannot_approve_their_own_campaign(sms_payers, supervisor, approved_template):
    campaign = _create(supervisor, approved_template)
    with pytest.raises(ValidationError):
        sms_campaign_approve(actor=supervisor, campaign=campaign)


def test_an_operator_can_neither_create_nor_approve(sms_payers, operator, approved_template):
    with pytest.raises(PermissionDenied):
        _create(operator, approved_template)


def test_only_an_approved_template_can_be_used(sms_payers, supervisor):
    from saikoku.sms.templates import sms_template_save

    template = sms_template_save(actor=supervisor, name="x", department="tax", texts={"ja": "a"})
    with pytest.raises(ValidationError):
        _create(supervisor, template)


def _send(campaign):
    return sms_dispatch_run(campaign.pk, worker_id="test", provider=ConsoleProvider())


def test_nothing_is_sent_before_approval(sms_payers, supervisor, approved_template):
    campaign = _create(supervisor, approved_template)
    assert _send(campaign).state == "stopped"
    assert not campaign.messages.exclude(status=SmsMessage.Status.QUEUED).exists()


def test_an_approved_campaign_sends_and_records_each_message(
    sms_payers, supervisor, supervisor2, approved_template
):
    campaign = _create(supervisor, approved_template)
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    result = _send(campaign)
    assert result.state == "done"
    campaign.refresh_from_db()
    assert campaign.status == SmsCampaign.Status.DONE
    delivered = campaign.messages.filter(status=SmsMessage.Status.DELIVERED)
    assert delivered.count() == campaign.messages.count() == 5
    records = ContactRecord.objects.filter(channel=Channel.SMS)
    assert records.count() == 5
    assert set(records.values_list("payer_id", flat=True)) == set(
        delivered.values_list("payer_id", flat=True)
    )
    # Sending again sends nothing more.
    assert _send(campaign).sent == 0


def test_messages_a_dead_worker_had_sent_get_their_records_and_are_not_sent_again(
    sms_payers, supervisor, supervisor2, approved_template, settings
):
    # Batches of two: the first is the two the dead worker had sent, nothing to send.
    settings.SAIKOKU_SMS_BATCH = 2
    campaign = _create(supervisor, approved_template)
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    # A worker accepted by the provider two of its claimed messages, then died before
    # writing their records; its lease has run out.
    claimed = list(campaign.messages.order_by("pk")[:3])
    lapsed = NOW - dt.timedelta(minutes=5)
    campaign.messages.filter(pk__in=[m.pk for m in claimed]).update(
        status=SmsMessage.Status.SENDING, claimed_by="dead", claimed_until=lapsed, attempts=1
    )
    campaign.messages.filter(pk__in=[m.pk for m in claimed[:2]]).update(
        provider="http", provider_id="gw-1", sent_at=lapsed
    )
    sent_to = []

    class Counting(ConsoleProvider):
        def send(self, *, to, **kwargs):
            sent_to.append(to)
            return super().send(to=to, **kwargs)

    result = sms_dispatch_run(campaign.pk, worker_id="next", provider=Counting())

    assert result.state == "done"
    assert set(sent_to) == {m.to for m in campaign.messages.all()} - {m.to for m in claimed[:2]}
    assert len(sent_to) == campaign.messages.count() - 2
    for message in claimed[:2]:
        message.refresh_from_db()
        assert message.status == SmsMessage.Status.SENT
        assert message.provider_id == "gw-1"
        assert message.contact_record.at == lapsed
    assert ContactRecord.objects.filter(channel=Channel.SMS).count() == 5


def test_a_payer_who_paid_after_approval_is_dropped_at_send_time(
    sms_payers, supervisor, supervisor2, approved_template, tmp_path
):
    campaign = _create(supervisor, approved_template)
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    result = package_import(
        path=build_payment_delta(tmp_path / "d.zip"), password=None, handler="t"
    )
    assert result.status == "imported", result.problems
    _send(campaign)
    message = campaign.messages.get(payer_id=sms_payers[ward.PAYS_LATER])
    assert message.status == SmsMessage.Status.DROPPED
    assert "nothing_owed" in message.error
    assert not ContactRecord.objects.filter(payer_id=message.payer_id).exists()


def test_a_payer_flagged_after_approval_is_dropped(
    sms_payers, supervisor, supervisor2, approved_template
):
    from saikoku.people.models import Resident

    campaign = _create(supervisor, approved_template)
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    Resident.objects.filter(pk=sms_payers[ward.PLAIN]).update(caution=True)
    _send(campaign)
    message = campaign.messages.get(payer_id=sms_payers[ward.PLAIN])
    assert message.status == SmsMessage.Status.DROPPED


def test_a_payer_called_just_now_waits_for_the_gap(
    sms_payers, supervisor, supervisor2, approved_template, operator
):
    from saikoku.outreach.records.services import CallOutcome, contact_record_create

    campaign = _create(supervisor, approved_template)
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    contact_record_create(
        actor=operator, payer_id=sms_payers[ward.PLAIN], said=CallOutcome(outcome="no_answer")
    )
    result = _send(campaign)
    message = campaign.messages.get(payer_id=sms_payers[ward.PLAIN])
    assert message.status == SmsMessage.Status.QUEUED
    assert message.next_attempt_at > NOW + dt.timedelta(minutes=100)
    assert result.state == "later"


def test_a_payer_on_a_call_waits_for_the_call_and_its_record_is_saved(
    sms_payers, supervisor, supervisor2, approved_template, operator
):
    from saikoku.outreach.calls.services import call_next
    from saikoku.outreach.lists.services import call_list_assign, call_list_build
    from saikoku.outreach.records.services import CallOutcome, contact_record_create

    payer_id = sms_payers[ward.PLAIN]
    call_list = call_list_build(actor=supervisor, name="架電中", filters={}, now=NOW)
    entry = call_list.entries.get(payer_id=payer_id)
    call_list_assign(actor=supervisor, call_list=call_list, entry_ids=[entry.pk], operator=operator)
    work = call_next(actor=operator)
    assert work is not None and work.payer_id == payer_id
    campaign = _create(supervisor, approved_template)
    sms_campaign_approve(actor=supervisor2, campaign=campaign)

    _send(campaign)  # the operator is on the call: the text waits
    message = campaign.messages.get(payer_id=payer_id)
    assert message.status == SmsMessage.Status.QUEUED
    assert message.next_attempt_at == work.locked_until
    assert not ContactRecord.objects.filter(payer_id=payer_id, channel=Channel.SMS).exists()
    # The call's outcome is saved, not refused as too soon after a text.
    contact_record_create(actor=operator, payer_id=payer_id, said=CallOutcome(outcome="no_answer"))
    assert campaign.messages.filter(payer_id=payer_id, status=SmsMessage.Status.SENT).count() == 0


def test_pause_resume_and_cancel(sms_payers, supervisor, supervisor2, approved_template):
    campaign = _create(supervisor, approved_template)
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    sms_campaign_pause(actor=supervisor, campaign=campaign)
    assert _send(campaign).state == "stopped"
    sms_campaign_resume(actor=supervisor, campaign=campaign)
    sms_campaign_cancel(actor=supervisor, campaign=campaign)
    assert _send(campaign).state == "stopped"
    assert set(campaign.messages.values_list("status", flat=True)) == {"cancelled"}


def test_the_send_window_is_weekdays_nine_to_eight():
    thursday = dt.datetime(2025, 11, 20, 10, 0, tzinfo=TOKYO)
    assert send_window_open(thursday)
    assert not send_window_open(thursday.replace(hour=20))
    assert not send_window_open(thursday.replace(hour=8, minute=59))
    saturday = dt.datetime(2025, 11, 22, 10, 0, tzinfo=TOKYO)
    assert not send_window_open(saturday)
    assert next_send_window(saturday) == dt.datetime(
        2025, 11, 25, 9, 0, tzinfo=TOKYO
    )  # 24th: 振替休日
    assert not send_window_open(dt.datetime(2025, 12, 30, 10, 0, tzinfo=TOKYO))


def test_outside_the_window_nothing_is_sent(
    sms_payers, supervisor, supervisor2, approved_template, clock
):
    campaign = _create(supervisor, approved_template)
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    clock.move_to(dt.datetime(2025, 11, 20, 21, 0, tzinfo=TOKYO))
    result = _send(campaign)
    assert result.state == "later"
    assert result.resume_at == dt.datetime(2025, 11, 21, 9, 0, tzinfo=TOKYO)


def test_an_unknown_number_marks_the_phone_invalid_for_every_channel(
    sms_payers, supervisor, supervisor2, approved_template
):
    from saikoku.sms.providers.base import ProviderError

    class Refusing(ConsoleProvider):
        def send(self, *, to, text, idempotency_key, sender):
            if to.endswith("0001"):
                raise ProviderError("unknown_number", permanent=True)
            return super().send(to=to, text=text, idempotency_key=idempotency_key, sender=sender)

    campaign = _create(supervisor, approved_template)
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    sms_dispatch_run(campaign.pk, worker_id="t", provider=Refusing())
    message = campaign.messages.get(payer_id=sms_payers[ward.PLAIN])
    assert message.status == SmsMessage.Status.FAILED
    status = PhoneStatus.objects.get(phone_id=message.phone_id)
    assert status.status == PhoneStatus.Status.NOT_IN_SERVICE
    from saikoku.outreach.eligibility import callable_phones

    assert not callable_phones(channel=Channel.OUTBOUND_CALL).filter(pk=message.phone_id).exists()


@pytest.mark.parametrize(
    ("record_seconds", "records_seen"),
    [
        # A slow provider: each text finds the ones before it already recorded.
        (0, [0, 1, 2, 3, 4]),
        # A fast one: the batch of five is recorded at once, at its end.
        (3600, [0, 0, 0, 0, 0]),
    ],
)
def test_accepted_texts_reach_the_payers_timeline_within_the_record_interval(
    sms_payers, supervisor, supervisor2, approved_template, settings, record_seconds, records_seen
):
    """While a slow provider sends a batch, the texts already accepted are contacts the
    rules see: "Next" does not hand those payers to an operator in the meantime."""
    settings.SAIKOKU_SMS_RECORD_SECONDS = record_seconds
    campaign = _create(supervisor, approved_template)
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    seen_before_send = []

    class Watching(ConsoleProvider):
        def send(self, **kwargs):
            seen_before_send.append(ContactRecord.objects.filter(channel=Channel.SMS).count())
            return super().send(**kwargs)

    assert sms_dispatch_run(campaign.pk, worker_id="w", provider=Watching()).state == "done"
    assert seen_before_send == records_seen
    assert ContactRecord.objects.filter(channel=Channel.SMS).count() == 5

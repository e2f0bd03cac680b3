"""The operator's side: the pop at their extension, the identity gate, guidance, the
contact record of the call, tasks, and the transfer to the departments concerned."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from saikoku.backoffice.models import Task, TaskKind
from saikoku.backoffice.selectors import tasks_visible_to
from saikoku.inbound.models import InboundCall, PaymentGuidance, Transfer
from saikoku.outreach.models import Channel
from support.cti import event, post_event
from support.inbound_ward import OWN, SHARED_NHI, SHARED_TAX
from support.personas import verified_client


def _answered(caller: str, call_id: str = "c-1", extension: str = "201") -> InboundCall:
    hook = Client()
    assert post_event(hook, event("ringing", call_id, caller=caller)).status_code == 204
    answered = event("answered", call_id, caller=caller, extension=extension, seconds=5)
    assert post_event(hook, answered).status_code == 204
    return InboundCall.objects.get(call_id=call_id)


def _pop(client: Client, shown: str = "") -> str:
    response = client.get(reverse("inbound_pop"), {"shown": shown})
    return response.content.decode() if response.status_code == 200 else str(response.status_code)


def test_the_operator_at_the_extension_sees_the_payer_of_the_number(inbound_ward, operator_201):
    client = verified_client(operator_201)
    assert "data-waiting" in _pop(client, "-")
    call = _answered("09012345678")
    assert call.operator == operator_201
    html = _pop(client)
    assert "佐野 健一" in html
    # The next poll, with that call shown, changes nothing.
    assert _pop(client, str(call.pk)) == "204"


def test_another_operator_sees_nothing_of_it(inbound_ward, operator_201, supervisor):
    _answered("09012345678")
    supervisor.extension = "202"
    supervisor.save(update_fields=["extension"])
    assert "佐野" not in _pop(verified_client(supervisor), "-")


def test_a_shared_number_offers_both_payers_to_choose(inbound_ward, operator_201):
    _answered("0333334444")
    html = _pop(verified_client(operator_201))
    assert "大森 和子" in html and "大森 太郎" in html
    assert "2人" in html


def test_a_withheld_number_leads_to_a_manual_search(inbound_ward, operator_201):
    call = _answered("")
    client = verified_client(operator_201)
    assert "data-manual-search" in _pop(client)
    page = client.get(reverse("inbound_call", args=[call.pk]), {"q": "サノ"}).content.decode()
    assert "佐野 健一" in page
    client.post(reverse("inbound_choose", args=[call.pk]), {"payer": inbound_ward[OWN]})
    call.refresh_from_db()
    assert call.payer_id == inbound_ward[OWN]


def test_an_unknown_number_opens_the_search_with_the_number_filled_in(inbound_ward, operator_201):
    call = _answered("09099998888")
    client = verified_client(operator_201)
    assert "data-manual-search" in _pop(client)
    page = client.get(reverse("inbound_call", args=[call.pk])).content.decode()
    assert 'value="09099998888"' in page


def _chosen(client, call, payer_id):
    client.post(reverse("inbound_choose", args=[call.pk]), {"payer": payer_id})


def test_nothing_about_the_debt_before_the_identity_gate(inbound_ward, operator_201):
    PaymentGuidance.objects.create(levy="RT", text="区役所の窓口、コンビニで納付できます。")
    call = _answered("09012345678")
    client = verified_client(operator_201)
    _chosen(client, call, inbound_ward[OWN])
    page = client.get(reverse("inbound_call", args=[call.pk])).content.decode()
    assert "data-amounts-hidden" in page
    assert "コンビニ" not in page
    assert reverse("payer", args=[inbound_ward[OWN]]) not in page
    # "Already paid" is about the debt: refused before the gate.
    client.post(reverse("inbound_task", args=[call.pk]), {"request": "already_paid"})
    assert not Task.objects.exists()
    client.post(reverse("inbound_identity", args=[call.pk]), {"name": "on", "birth_date": "on"})
    page = client.get(reverse("inbound_call", args=[call.pk])).content.decode()
    assert "data-identity-verified" in page
    assert "コンビニ" in page
    # The payer page's own owed panel, which the operator may open: the call is their work.
    owed = client.get(reverse("payer", args=[inbound_ward[OWN]]), headers={"HX-Request": "true"})
    assert owed.status_code == 200
    assert "¥60,000" in owed.content.decode()


def test_the_call_becomes_an_inbound_contact_record(inbound_ward, operator_201):
    call = _answered("09012345678")
    post_event(Client(), event("ended", "c-1", seconds=185))
    client = verified_client(operator_201)
    _chosen(client, call, inbound_ward[OWN])
    client.post(reverse("inbound_identity", args=[call.pk]), {"name": "on", "address": "on"})
    response = client.post(
        reverse("inbound_record", args=[call.pk]),
        {"outcome": "promise_to_pay", "promise_on": "+7", "promise_amount": "60000"},
    )
    assert response.status_code == 302
    call.refresh_from_db()
    record = call.contact_record
    assert record.channel == Channel.INBOUND_CALL
    assert record.identity_verified
    assert record.promise.amount == 60000
    assert call.duration_seconds == 180
    # Recorded: the pop waits for the next call.
    assert "data-waiting" in _pop(client, str(call.pk))


def test_a_third_party_gets_only_a_call_back_request(inbound_ward, operator_201):
    call = _answered("09012345678")
    client = verified_client(operator_201)
    _chosen(client, call, inbound_ward[OWN])
    response = client.post(reverse("inbound_record", args=[call.pk]), {"outcome": "claims_paid"})
    assert response.status_code == 400
    assert not Task.objects.exists()
    response = client.post(
        reverse("inbound_record", args=[call.pk]),
        {"outcome": "contacted_other_party", "party": "family"},
    )
    assert response.status_code == 302


def test_reissue_and_already_paid_create_back_office_tasks(inbound_ward, operator_201):
    call = _answered("09012345678")
    client = verified_client(operator_201)
    _chosen(client, call, inbound_ward[OWN])
    client.post(reverse("inbound_identity", args=[call.pk]), {"name": "on", "birth_date": "on"})
    client.post(reverse("inbound_task", args=[call.pk]), {"request": "reissue"})
    client.post(reverse("inbound_task", args=[call.pk]), {"request": "already_paid"})
    kinds = sorted(Task.objects.values_list("kind", "department"))
    assert kinds == [(TaskKind.REISSUE_SLIP, "tax"), (TaskKind.VERIFY_PAYMENT, "tax")]
    reissue = Task.objects.get(kind=TaskKind.REISSUE_SLIP)
    assert "納付書の再発行" in reissue.summary
    # The back office's own task: due in the kind's days, with its history line, and in
    # the queue of the center's staff who reissue slips.
    assert (reissue.due_on - timezone.localdate(reissue.created_at)).days == 3
    assert reissue.events.get().action == "created"
    assert reissue in tasks_visible_to(operator_201)


def _transfer(client, call, levies, summary="分納の相談をしたいとのこと"):
    return client.post(
        reverse("inbound_transfer", args=[call.pk]),
        {"reason": "wants_plan", "levies": levies, "summary": summary},
    )


def test_a_transfer_goes_to_the_department_of_the_levy_and_only_its_staff_see_it(
    inbound_ward, operator_201, ward_staff_tax, ward_staff_nhi, settings
):
    settings.SAIKOKU_CTI_TRANSFER_EXTENSIONS = {"tax": "301", "nhi": "302"}
    ward_staff_tax.extension = "301"
    ward_staff_tax.save(update_fields=["extension"])
    call = _answered("0333334444")
    client = verified_client(operator_201)
    _chosen(client, call, inbound_ward[SHARED_TAX])
    client.post(reverse("inbound_identity", args=[call.pk]), {"name": "on", "birth_date": "on"})
    assert _transfer(client, call, ["RT"]).status_code == 302
    transfer = Transfer.objects.get()
    assert (transfer.department, transfer.extension) == ("tax", "301")
    assert transfer.task.summary.endswith("分納の相談をしたいとのこと")

    tax = verified_client(ward_staff_tax)
    page = tax.get(reverse("inbound_transfers")).content.decode()
    assert "大森 和子" in page
    assert f'data-transfer-pop="{transfer.pk}"' in page  # their extension rings
    nhi = verified_client(ward_staff_nhi)
    assert "大森 和子" not in nhi.get(reverse("inbound_transfers")).content.decode()
    assert nhi.post(reverse("inbound_transfer_accept", args=[transfer.pk])).status_code == 404

    response = tax.post(reverse("inbound_transfer_accept", args=[transfer.pk]))
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "accepted"
    assert transfer.task.status == "in_progress"  # the work queue's status for taken work
    assert "大森 和子" not in tax.get(reverse("inbound_transfers")).content.decode()


def test_both_departments_when_both_levies_are_concerned(inbound_ward, operator_201):
    call = _answered("0333334444")
    client = verified_client(operator_201)
    _chosen(client, call, inbound_ward[SHARED_NHI])
    client.post(reverse("inbound_identity", args=[call.pk]), {"name": "on", "birth_date": "on"})
    _transfer(client, call, ["RT", "NH"])
    assert sorted(Transfer.objects.values_list("department", flat=True)) == ["nhi", "tax"]
    assert Task.objects.filter(kind=TaskKind.ESCALATION).count() == 2


def test_no_transfer_before_the_identity_gate(inbound_ward, operator_201):
    call = _answered("09012345678")
    client = verified_client(operator_201)
    _chosen(client, call, inbound_ward[OWN])
    assert _transfer(client, call, ["RT"]).status_code == 400
    assert not Transfer.objects.exists()


def test_the_supervisor_board_counts_calls_without_payer_data(
    inbound_ward, operator_201, supervisor
):
    _answered("09012345678")
    post_event(Client(), event("ringing", "c-2", caller="09012345678"))
    post_event(Client(), event("ringing", "c-3"))
    post_event(Client(), event("ended", "c-3", seconds=30))
    page = verified_client(supervisor).get(reverse("inbound_board")).content.decode()
    assert "data-ringing>1<" in page
    assert "data-answered>1<" in page
    assert "data-abandoned>1<" in page
    assert "佐野" not in page and "09012345678" not in page

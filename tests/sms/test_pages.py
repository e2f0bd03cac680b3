"""What the SMS pages show each role: the preview with a real payer, the actions a role
may use (and why an approval is not possible), numbers, dates and languages as people
read them, the counters, and the waiting state in the list."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from saikoku.core.models import AuditEntry
from saikoku.sms.selectors import sms_template_preview
from support.personas import logged_in_client
from support.sms_package import PLAIN, resident_no

NOT_FOUND = "その住民番号の納付義務者は見つかりません（または閲覧できません）。"


def _preview(client, template, resident):
    return client.get(f"/sms/templates/{template.pk}/", {"language": "ja", "resident_no": resident})


def test_an_unknown_resident_number_in_the_preview_is_said_next_to_the_field(
    sms_payers, supervisor, approved_template
):
    response = _preview(logged_in_client(supervisor), approved_template, "300000099999")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>督促後のお知らせ</h1>" in page
    assert NOT_FOUND in page
    assert 'value="300000099999"' in page
    assert "data-preview>" not in page


def test_a_payer_the_user_may_not_see_gets_the_same_answer_as_an_unknown_one(
    sms_payers, ward_staff_nhi, approved_template
):
    answers = []
    for number in (resident_no(PLAIN), "300000099999"):
        with pytest.raises(ValidationError) as refused:
            sms_template_preview(
                ward_staff_nhi, approved_template, language="ja", deadline=None,
                resident_no=number,
            )  # fmt: skip
        answers.append(refused.value.message_dict)
    assert answers[0] == answers[1]
    assert NOT_FOUND in answers[0]["resident_no"][0]
    assert not AuditEntry.objects.filter(user=ward_staff_nhi, action="payer_view").exists()


def test_a_real_payer_preview_is_still_audited(sms_payers, supervisor, approved_template):
    response = _preview(logged_in_client(supervisor), approved_template, resident_no(PLAIN))
    assert "data-preview>" in response.content.decode()
    assert AuditEntry.objects.filter(
        user=supervisor, action="payer_view", object_id=resident_no(PLAIN)
    ).exists()
    assert AuditEntry.objects.filter(user=supervisor, action="sms_template_preview").exists()

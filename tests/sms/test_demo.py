"""The demo has approved SMS templates and a small campaign to look at."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_demo_has_approved_templates_and_a_campaign_awaiting_approval(settings, tmp_path):
    from saikoku.sms.models import SmsCampaign, SmsTemplate

    settings.DATA_DIR = tmp_path
    call_command("demo", "--scale", "0.01", "--no-serve", stdout=StringIO())
    call_command("demo", "--scale", "0.01", "--no-serve", stdout=StringIO())
    templates = SmsTemplate.objects.all()
    assert templates.count() == 2
    assert set(templates.values_list("status", flat=True)) == {"approved"}
    campaign = SmsCampaign.objects.get()
    assert campaign.status == SmsCampaign.Status.PENDING
    assert campaign.messages.exists()
    assert not campaign.messages.filter(payer__caution=True).exists()
    assert set(campaign.messages.values_list("phone__kind", flat=True)) == {"mobile"}

"""The SMS counters of /metrics (core/metrics.py): a message the provider accepted, one
it refused for good, a temporary error, and a delivery report that says undelivered."""

from __future__ import annotations

from prometheus_client import REGISTRY

from saikoku.sms.campaigns import sms_campaign_approve, sms_campaign_create
from saikoku.sms.dispatch import sms_dispatch_run
from saikoku.sms.models import SmsMessage
from saikoku.sms.providers.base import ProviderError
from saikoku.sms.providers.console import ConsoleProvider
from support.sms_package import NOW


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _counts() -> tuple[float, float, float]:
    return (
        _value("saikoku_sms_sent_total"),
        _value("saikoku_sms_failed_total", stage="send"),
        _value("saikoku_sms_retried_total"),
    )


class Refusing(ConsoleProvider):
    """Refuses one number for good and another once for a while."""

    def __init__(self) -> None:
        self.busy_once = True

    def send(self, *, to, text, idempotency_key, sender):
        if to.endswith("0001"):
            raise ProviderError("unknown_number", permanent=True)
        if self.busy_once:
            self.busy_once = False
            raise ProviderError("busy", permanent=False, retry_after=0)
        return super().send(to=to, text=text, idempotency_key=idempotency_key, sender=sender)


def test_a_send_failure_increments_the_failed_counter(
    sms_payers, supervisor, supervisor2, approved_template
):
    campaign = sms_campaign_create(
        actor=supervisor,
        name="11月のお知らせ",
        template=approved_template,
        filters={"levies": ["RT"]},
        scheduled_at=NOW,
    )
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    sent, failed, retried = _counts()

    sms_dispatch_run(campaign.pk, worker_id="t", provider=Refusing(), max_seconds=0)

    statuses = list(campaign.messages.values_list("status", flat=True))
    assert statuses.count(SmsMessage.Status.FAILED) == 1
    assert _counts() == (
        sent + statuses.count(SmsMessage.Status.DELIVERED),
        failed + 1,
        retried + 1,
    )

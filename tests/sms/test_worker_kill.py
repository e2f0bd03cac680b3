"""Real worker processes (`saikoku sms worker`) on a real database, one killed with
SIGKILL mid-campaign and restarted: nothing is lost, and nothing is sent twice to a
gateway that honours the idempotency key (at most the message in flight at the kill
with one that does not). The fake gateway process counts what it sent."""

from __future__ import annotations

import signal

import pytest

from support.gateway_process import fake_gateway
from support.worker_processes import (
    campaign_stats,
    environment,
    migrate,
    run_scenario,
    start_worker,
    stop,
    wait_for,
)

PAYERS = 240


@pytest.mark.parametrize("ignore_keys", [False, True], ids=["key_honoured", "key_ignored"])
def test_a_worker_killed_mid_campaign_loses_nothing(database_url, tmp_path, ignore_keys):
    with fake_gateway(ignore_keys=ignore_keys) as gateway:
        env = environment(
            database_url=database_url,
            gateway_url=gateway.url,
            folder=tmp_path,
            SAIKOKU_SMS_RATE_PER_SECOND="60",
            # A gateway that does not deduplicate is configured as such: each acceptance
            # is then written before the next message is sent.
            SAIKOKU_SMS_HTTP_HONOURS_KEY="false" if ignore_keys else "true",
        )
        if database_url.startswith("sqlite"):
            migrate(env)
        campaign_id = int(
            run_scenario(env, "setup", "--payers", str(PAYERS), "--package", str(tmp_path))
        )
        workers = [start_worker(env, "a"), start_worker(env, "b")]
        try:
            wait_for(lambda: gateway.stats()["sent"] >= PAYERS // 3, timeout=120)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            assert gateway.stats()["sent"] < PAYERS  # killed mid-campaign
            workers[0] = start_worker(env, "a2")
            wait_for(
                lambda: campaign_stats(env, campaign_id)["campaign"] == "done", timeout=180, every=1
            )
        finally:
            for worker in workers:
                stop(worker)
        stats = gateway.stats()
        result = campaign_stats(env, campaign_id)
    assert result["messages"] == PAYERS
    assert result["by_status"] == {"sent": PAYERS}
    # One contact record per message, none twice.
    assert result["records"] == result["records_sms"] == PAYERS
    assert stats["refs"] == PAYERS  # no loss
    if ignore_keys:
        assert stats["duplicates"] <= 1  # at most the message in flight at the kill
    else:
        assert stats["duplicates"] == 0

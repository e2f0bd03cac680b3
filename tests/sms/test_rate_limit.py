"""The provider's rate (SAIKOKU_SMS_RATE_PER_SECOND) holds for all workers together:
two real `saikoku sms worker` processes share the campaign, and the fake gateway, which
times every POST, sees no more than the rate (one worker alone could send at the rate,
so a limit per process would let the two send twice as fast)."""

from __future__ import annotations

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

PAYERS = 120
RATE = 20


def test_two_workers_together_stay_within_the_providers_rate(database_url, tmp_path):
    with fake_gateway() as gateway:
        env = environment(
            database_url=database_url,
            gateway_url=gateway.url,
            folder=tmp_path,
            SAIKOKU_SMS_RATE_PER_SECOND=str(RATE),
            SAIKOKU_SMS_CLAIM_SECONDS="30",
        )
        if database_url.startswith("sqlite"):
            migrate(env)
        campaign_id = int(
            run_scenario(env, "setup", "--payers", str(PAYERS), "--package", str(tmp_path))
        )
        workers = [start_worker(env, "a"), start_worker(env, "b")]
        try:
            wait_for(
                lambda: campaign_stats(env, campaign_id)["campaign"] == "done", timeout=180, every=1
            )
        finally:
            for worker in workers:
                stop(worker)
        stats = gateway.stats()
        result = campaign_stats(env, campaign_id)
    assert result["by_status"] == {"sent": PAYERS}
    assert stats["posts"] == PAYERS
    # Both workers sent, each on its own connection (else one worker's own pace would
    # prove nothing).
    assert len(stats["per_connection"]) >= 2
    assert stats["per_connection"][1] >= PAYERS // 5
    # The bucket holds 2 tokens and each worker up to 2 more: 6 over the rate at most
    # in any second, and the whole campaign at the rate.
    assert stats["max_per_second"] <= RATE + 6
    assert (PAYERS - 6) / stats["span"] <= RATE * 1.05

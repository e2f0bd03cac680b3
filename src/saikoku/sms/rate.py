"""The provider's send rate, held across all workers: SAIKOKU_SMS_RATE_PER_SECOND is
what the contract with the provider allows for the ward, however many workers send.

A token bucket in the database (SmsRateBucket, one row per provider). It fills at the
rate up to a small capacity (a tenth of a second's worth, at least one message); a
worker locks the row (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite every
transaction holds the single write lock), adds what has dripped in since the last
draw, takes up to that capacity and commits, then spends its tokens; with none left it
sleeps until the next one drips in. One row lock per few messages, not per message.

Over any interval of T seconds the workers together send at most rate × T plus the
capacity and the tokens each worker still holds (a tenth of a second's worth each).
"""

from __future__ import annotations

import math
import time

from django.db import IntegrityError, transaction

from saikoku.sms.models import SmsRateBucket

__all__ = ["ProviderPace"]


class ProviderPace:
    """At most `rate` sends per second for `provider` from all workers (0: no limit)."""

    def __init__(self, provider: str, rate: int) -> None:
        self.provider = provider
        self.rate = rate
        self.capacity = max(1, math.ceil(rate / 10)) if rate > 0 else 0
        self.held = 0

    def wait(self) -> None:
        """Returns when this worker may send one message."""
        if self.rate <= 0:
            return
        while not self.held:
            self.held, short = self._draw()
            if not self.held:
                time.sleep(short / self.rate)
        self.held -= 1

    def _draw(self) -> tuple[int, float]:
        """Takes up to `capacity` tokens; returns them and, when none, the fraction of a
        token missing."""
        now = time.time()
        with transaction.atomic():
            bucket = (
                SmsRateBucket.objects.select_for_update().filter(provider=self.provider).first()
            )
            if bucket is None:
                self._create()
                bucket = SmsRateBucket.objects.select_for_update().get(provider=self.provider)
            elapsed = max(0.0, now - bucket.refilled_at)
            tokens = min(float(self.capacity), bucket.tokens + elapsed * self.rate)
            taken = min(int(tokens), self.capacity)
            bucket.tokens = tokens - taken
            bucket.refilled_at = now
            bucket.save(update_fields=["tokens", "refilled_at"])
        return taken, 1.0 - (tokens - taken)

    def _create(self) -> None:
        # The first draw for a provider: two workers may try at once, one row wins. It
        # starts empty, so a restart never adds a burst.
        try:
            with transaction.atomic():
                SmsRateBucket.objects.create(provider=self.provider, refilled_at=time.time())
        except IntegrityError:
            pass

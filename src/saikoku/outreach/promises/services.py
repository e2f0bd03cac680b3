"""Promises to pay (納付約束): kept or broken, judged from what the ward's packages say.

A promise is *kept* when the payer's payments cover the promised amount within its
window: paid on or after the day of the contact that recorded the promise, and no later
than the promised day plus `ContactSettings.promise_grace_days` (the grace absorbs the
days a bank or convenience-store payment takes to reach the ward's ledger). The ward's
bill rows are authoritative, so a fall of the payer's balance by the promised amount
since the promise (`Promise.balance_at_promise`) counts too: the ward may send the
changed bill rows without the payment rows behind them.

A promise not kept becomes *broken* on the day after promised day + grace; a broken
payer returns to call lists with priority (priority.py reads the status).

A correction of the call's record that changes the promised day or amount changes the
promise itself (records/services.py, `contact_record_amend`): it is judged again from
scratch with the new figures, its earlier ones kept in `Promise.amended_from`; a
correction saying no promise was made cancels it (status cancelled, never judged).

A payment dated within the window can arrive in a package after the promise was judged
broken (the ward records some payments late). Such a promise is turned to kept when
that package arrives, so the payer is not chased for a promise they kept. Only dated
payments can do this: a balance fall carries no date and cannot show the money came in
time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db.models import F, Q, Sum
from django.utils import timezone

from saikoku.arrears.models import Bill, Payment
from saikoku.outreach.models import ContactSettings, Promise

# How far back a broken promise is looked at again for payments that arrived late.
# Packages reach the center daily; two months covers any recording delay seen so far.
REOPEN_DAYS = 60
CHUNK = 10_000


def promises_evaluate(*, today: date, promise_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Judges every open promise (and recently broken ones, see the module docstring)
    as of `today`; returns {"kept": n, "broken": n, "open": n}: how many became kept,
    how many became broken, how many stay open (still within their window).
    `promise_ids` judges only those (a corrected promise, judged again at once by
    records.services.contact_record_amend).

    Set-based: one query for the promises, one for the payments, one for the
    balances, one UPDATE per new status; cheap enough to run inside every package
    import.
    """
    grace = timedelta(days=ContactSettings.current().promise_grace_days)
    promises = Promise.objects.all()
    if promise_ids is not None:
        promises = promises.filter(pk__in=list(promise_ids))
    # Plain dicts: each gets its payment window ("from", "until") below.
    candidates: list[dict[str, Any]] = [
        dict(row)
        for row in promises.filter(
            Q(status=Promise.Status.OPEN)
            | Q(
                status=Promise.Status.BROKEN,
                promised_on__gte=today - grace - timedelta(days=REOPEN_DAYS),
            )
        ).values(
            "pk",
            "payer_id",
            "status",
            "promised_on",
            "amount",
            "balance_at_promise",
            "contact_record__at",
        )
    ]
    counts = {"kept": 0, "broken": 0, "open": 0}
    if not candidates:
        return counts
    for promise in candidates:
        promise["from"] = timezone.localtime(promise["contact_record__at"]).date()
        promise["until"] = promise["promised_on"] + grace
    payer_ids = sorted({p["payer_id"] for p in candidates})
    first_day = min(p["from"] for p in candidates)
    last_day = max(p["until"] for p in candidates)

    # Payments of these payers' bills that fall into any candidate's window; summed per
    # promise below (a payer rarely has more than one or two promises).
    payments: dict[int, list[tuple[date, int]]] = defaultdict(list)
    balances: dict[int, int] = {}
    for chunk in _chunks(payer_ids):
        rows = (
            Payment.objects.filter(
                bill__payer_id__in=chunk, paid_on__gte=first_day, paid_on__lte=last_day
            )
            .values("bill__payer_id", "paid_on")
            .annotate(total=Sum("amount"))
        )
        for row in rows:
            payments[row["bill__payer_id"]].append((row["paid_on"], row["total"]))
        balances.update(
            Bill.objects.filter(payer_id__in=chunk)
            .values("payer_id")
            .annotate(owed=Sum(F("amount") - F("paid_amount")))
            .values_list("payer_id", "owed")
        )

    now = timezone.now()
    changed: dict[str, list[int]] = {Promise.Status.KEPT: [], Promise.Status.BROKEN: []}
    status: str
    for promise in candidates:
        paid: int = sum(
            amount
            for paid_on, amount in payments.get(promise["payer_id"], ())
            if promise["from"] <= paid_on <= promise["until"]
        )
        fallen = promise["balance_at_promise"] - (balances.get(promise["payer_id"]) or 0)
        was_open = promise["status"] == Promise.Status.OPEN
        if paid >= promise["amount"] or (was_open and fallen >= promise["amount"]):
            status = Promise.Status.KEPT
        elif today > promise["until"]:
            status = Promise.Status.BROKEN
        else:
            status = Promise.Status.OPEN
        if status == Promise.Status.OPEN:
            counts["open"] += 1
        elif status != promise["status"]:
            counts[status] += 1
            changed[status].append(promise["pk"])
    # One UPDATE per new status: far cheaper than a per-row CASE of bulk_update.
    for status, pks in changed.items():
        for chunk in _chunks(pks):
            Promise.objects.filter(pk__in=chunk).update(status=status, evaluated_at=now)
    return counts


def _chunks(ids: list[int]) -> list[list[int]]:
    """Slices that keep every IN list under the databases' bound-parameter limits
    (SQLite 32,766; PostgreSQL's protocol 65,535)."""
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


__all__ = ["REOPEN_DAYS", "promises_evaluate"]

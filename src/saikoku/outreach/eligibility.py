"""Who may be contacted at all: the one server-side eligibility function for calls, SMS
and any later channel. The rules always win over a supervisor's filters.

Each rule has a stable code (stored in CallListEntry.excluded_reasons and
CallList.excluded_counts) and a Japanese label. A ward_admin's ContactApproval lifts
exactly the rule it names, for that payer, until its valid_until day (inclusive).

Every rule is read the same way for a few payers (the batch "Next" looks at) and for
the whole ward (≈45,500 payers): the unpaid bills in one aggregate query (facts.py),
then every other rule in one query that returns only the payers a rule concerns;
nothing is read per payer.

The rules' building blocks are public and used by every channel, never copied:
`callable_phones` (which numbers may be used at all) and `do_not_contact` (the payer's
wish not to be called or texted).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from django.db.models import F, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saikoku.arrears.models import Measure, MeasureKind, Plan, PlanStatus
from saikoku.backoffice.selectors import unresolved_returned_mail
from saikoku.outreach.facts import PayerFacts, all_payer_ids, restrict, unpaid_facts
from saikoku.outreach.models import (
    Channel,
    ContactApproval,
    ContactPreference,
    ContactRecord,
    ContactSettings,
    Party,
    Promise,
)
from saikoku.people.models import Phone, PhoneKind, Resident

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "CHANNELS",
    "EXCLUSION_RULES",
    "approved_rules",
    "callable_payer_ids",
    "callable_phones",
    "do_not_contact",
    "exclusion_label",
    "exclusions_for_payer",
    "exclusions_for_payers",
    "exclusions_from_hits",
    "rule_hits",
]

# Order matters only for display: the reasons of one payer are listed in this order.
EXCLUSION_RULES: dict[str, StrOrPromise] = {
    # 処理注意者: contact only through the ward (e.g. DV support measures).
    "caution": _("処理注意者"),
    # 公示送達中: the ward could not deliver documents; the address is unknown.
    "public_notice": _("公示送達中"),
    "not_resident": _("不現住"),
    "deceased": _("死亡"),
    # A plan the ward agreed and the payer keeps: a reminder would contradict it.
    "plan_in_good_standing": _("分納誓約を履行中"),
    # 徴収猶予・換価猶予 (地方税法第15条・第15条の5), 滞納処分の停止 (同第15条の7), 破産等:
    # while they run, the ward does not press for payment.
    "deferment_or_suspension": _("猶予・停止中"),
    # Nothing overdue (facts.unpaid_facts): paid up, or only instalments not yet due.
    "nothing_owed": _("滞納なし"),
    "do_not_contact": _("連絡不可の希望"),
    "no_callable_number": _("有効な電話番号なし"),
    "cool_down": _("最近本人と接触済み"),
    "promise_pending": _("納付約束の期限前"),
    # 返戻郵便: the address is in doubt until the back office or the ward settles it.
    "returned_mail": _("返戻郵便が未解決"),
}

# A rule named differently when the audience is texted: for SMS only a mobile
# number counts.
_SMS_RULE_LABELS: dict[str, StrOrPromise] = {"no_callable_number": _("携帯番号なし")}


def exclusion_label(code: str, *, channel: str = Channel.OUTBOUND_CALL) -> str:
    """The label of an exclusion rule for this channel (the code itself if unknown)."""
    if channel == Channel.SMS and code in _SMS_RULE_LABELS:
        return str(_SMS_RULE_LABELS[code])
    return str(EXCLUSION_RULES.get(code, code))


CHANNELS = (Channel.OUTBOUND_CALL.value, Channel.SMS.value)

# Measures during which the payer is not reminded (a seizure is not one of them: the
# payer is still asked to pay what the seizure does not cover).
PAUSING_MEASURES = (
    MeasureKind.COLLECTION_DEFERMENT,
    MeasureKind.SALE_DEFERMENT,
    MeasureKind.SUSPENSION,
    MeasureKind.BANKRUPTCY,
)


class RuleRows(NamedTuple):
    """One rule as data: the rows that make it hit, and the field naming their payer."""

    code: str
    rows: QuerySet
    payer_field: str


def callable_phones(*, channel: str) -> QuerySet[Phone]:
    """The numbers the center may use for `channel`, the one definition every caller
    filters further (eligibility, retries, the suggested number, the dialer, the
    results package): valid in the ward's data, with an E.164 form, and not marked
    wrong or out of service by an operator (PhoneStatus); for SMS a mobile number."""
    phones = Phone.objects.filter(is_valid=True, center_status__isnull=True).exclude(e164="")
    if channel == Channel.SMS:
        phones = phones.filter(kind=PhoneKind.MOBILE)
    return phones


def do_not_contact(*, channel: str) -> QuerySet[ContactPreference]:
    """The payers' wishes not to be contacted by `channel` (no calls, or no texts): the
    one definition eligibility and the dialer read."""
    wish = Q(do_not_text=True) if channel == Channel.SMS else Q(do_not_call=True)
    return ContactPreference.objects.filter(wish)


def callable_payer_ids(payer_ids: set[int] | None, *, channel: str) -> set[int]:
    """Payers with a number the center may use (callable_phones)."""
    phones = restrict(callable_phones(channel=channel), "resident_id", payer_ids)
    return set(phones.values_list("resident_id", flat=True).distinct())


def approved_rules(payer_ids: set[int] | None, today: dt.date) -> dict[int, set[str]]:
    """payer id -> the rules a ward_admin's ContactApproval lifts for them on `today`
    (None: every payer; one query)."""
    valid = ContactApproval.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    result: dict[int, set[str]] = {}
    for payer_id, rule in restrict(valid, "payer_id", payer_ids).values_list("payer_id", "rule"):
        result.setdefault(payer_id, set()).add(rule)
    return result


def _rule_rows(*, channel: str, now: dt.datetime, contact: ContactSettings) -> list[RuleRows]:
    """Each rule as the rows that make it hit and their payer field. "callable" is the
    opposite: the payers it finds are the ones no_callable_number spares."""
    today = timezone.localdate(now)
    residents = Resident.objects.all()
    return [
        RuleRows("caution", residents.filter(caution=True), "pk"),
        RuleRows("public_notice", residents.filter(public_notice=True), "pk"),
        RuleRows("not_resident", residents.filter(not_resident=True), "pk"),
        RuleRows("deceased", residents.filter(deceased_on__isnull=False), "pk"),
        RuleRows(
            "plan_in_good_standing", Plan.objects.filter(status=PlanStatus.ACTIVE), "payer_id"
        ),
        RuleRows(
            "deferment_or_suspension",
            Measure.objects.filter(kind__in=PAUSING_MEASURES, start_on__lte=today).filter(
                Q(end_on__isnull=True) | Q(end_on__gte=today)
            ),
            "payer_id",
        ),
        RuleRows("do_not_contact", do_not_contact(channel=channel), "payer_id"),
        RuleRows("callable", callable_phones(channel=channel), "resident_id"),
        # Reached in person recently: a new call within the cool-down is pressure, not
        # a reminder (the ward's guidance on 催告 frequency).
        RuleRows(
            "cool_down",
            ContactRecord.objects.filter(
                party=Party.SELF, at__gte=now - dt.timedelta(days=contact.cool_down_days)
            ),
            "payer_id",
        ),
        # The payer promised a date: wait until it (plus the grace days) has passed.
        RuleRows(
            "promise_pending",
            Promise.objects.filter(
                status=Promise.Status.OPEN,
                promised_on__gte=today - dt.timedelta(days=contact.promise_grace_days),
            ),
            "payer_id",
        ),
        RuleRows("returned_mail", unresolved_returned_mail(), "payer_id"),
    ]


def rule_hits(
    payer_ids: set[int] | None,
    *,
    channel: str,
    now: dt.datetime,
    groups: dict[int, PayerFacts] | None = None,
    universe: set[int] | None = None,
    contact_settings: ContactSettings | None = None,
) -> dict[str, set[int]]:
    """rule code -> payers the rule excludes, before approvals.

    `groups` lets a caller that already read the unpaid bills (the list build) pass
    them in. Only "nothing_owed" needs the universe of payers; every other rule reads
    just the payers it concerns, all of them in ONE query (a UNION ALL of one SELECT
    per rule, each restricted to `payer_ids` when they are few): the same query for
    the 20 payers of a "Next" batch and for the whole ward.
    `contact_settings`: the rules row, when the caller holds it.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    today = timezone.localdate(now)
    contact = contact_settings or ContactSettings.current()
    if groups is None:
        groups = unpaid_facts(payer_ids, today=today)
    if universe is None:
        universe = set(payer_ids) if payer_ids is not None else all_payer_ids()
    selects = [
        restrict(rule.rows, rule.payer_field, payer_ids)
        .order_by()
        .annotate(rule=Value(rule.code), hit=F(rule.payer_field))
        .values_list("rule", "hit")
        .distinct()
        for rule in _rule_rows(channel=channel, now=now, contact=contact)
    ]
    found: dict[str, set[int]] = {code: set() for code in [*EXCLUSION_RULES, "callable"]}
    for code, pk in selects[0].union(*selects[1:], all=True):
        found[code].add(pk)
    hits = {code: found[code] & universe for code in EXCLUSION_RULES}
    hits["nothing_owed"] = {pk for pk in universe if pk not in groups}
    hits["no_callable_number"] = universe - found["callable"]
    return hits


def exclusions_from_hits(
    hits: dict[str, set[int]], universe: Iterable[int], *, approvals: dict[int, set[str]]
) -> dict[int, list[str]]:
    """payer id -> the codes of the rules that hit them and no approval lifts, for every
    payer of `universe`, in the order of EXCLUSION_RULES."""
    result: dict[int, list[str]] = {pk: [] for pk in universe}
    for code, found in hits.items():
        for pk in found:
            if code in approvals.get(pk, ()):
                continue
            reasons = result.get(pk)
            if reasons is not None:
                reasons.append(code)
    return result


def exclusions_for_payers(
    payer_ids: Iterable[int] | None,
    *,
    channel: str,
    now: dt.datetime,
    groups: dict[int, PayerFacts] | None = None,
    contact_settings: ContactSettings | None = None,
) -> dict[int, list[str]]:
    """payer id -> rule codes that exclude the payer now ([] = may be contacted).

    payer_ids None means every payer (a resident with an assessment); otherwise every
    given id appears in the result. channel is "outbound_call" or "sms".
    """
    wanted = set(payer_ids) if payer_ids is not None else None
    universe = wanted if wanted is not None else all_payer_ids()
    hits = rule_hits(
        wanted,
        channel=channel,
        now=now,
        groups=groups,
        universe=universe,
        contact_settings=contact_settings,
    )
    # An approval only lifts a rule that hits: with no hit (the usual "Next" batch)
    # there is nothing to read.
    hit = set().union(*hits.values())
    approvals = (
        approved_rules(wanted & hit if wanted is not None else None, timezone.localdate(now))
        if hit
        else {}
    )
    # Rules in their display order for each payer.
    return exclusions_from_hits(hits, sorted(universe), approvals=approvals)


def exclusions_for_payer(payer_id: int, *, channel: str, now: dt.datetime) -> list[str]:
    """The rule codes that exclude one payer now ([] = may be contacted)."""
    return exclusions_for_payers([payer_id], channel=channel, now=now)[payer_id]

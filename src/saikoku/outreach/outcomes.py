"""Outcome codes of a contact (架電結果): stable codes stored in ContactRecord.outcome,
Japanese labels for the screen, and what each one sets in motion.

The order is the call screen's list, the frequent results first. Each outcome has its
own key, shown on it (`Outcome.key`: 1–9 for the first nine, 0 for the tenth, then a
letter from the label's reading: K 拒否, B 番号違い, F 不通, T 転居, S 死亡). The keys never
change with the identity state: an operator's fingers learn them once. Outcomes that
tell the payer anything about the debt need the identity confirmed first (name plus
birth date or address); before that they are shown disabled, with their key, and the
server refuses them (records/services.py). A voicemail never carries a message about
the debt (the box may be shared).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.utils.functional import Promise as LazyText
from django.utils.translation import gettext_lazy as _

from saikoku.backoffice.models import TaskKind, TaskReason
from saikoku.outreach.models import Party, PhoneStatus

__all__ = ["OUTCOMES", "RESERVED_KEYS", "Outcome", "OutcomeChoice", "outcome_choices"]

# Keys the call screen uses for something else (call.js): Next, Dial, search. No
# outcome may take one (tests/outreach/calls/test_outcome_keys.py).
RESERVED_KEYS = frozenset({"n", "d", "/"})


@dataclass(frozen=True)
class Outcome:
    code: str
    label: LazyText | str
    # The key that picks it on the call screen (one character, lower case).
    key: str
    # Says anything about the debt: only once the payer's identity is confirmed.
    needs_identity: bool = False
    # The party is fixed by the outcome ("none": nobody answered; "self": the payer);
    # "" lets the operator say who answered.
    party: str = ""
    # Back office work: one task per department of the levies owed.
    task_kind: str = ""
    task_reason: str = ""
    # Retry after ContactSettings.<this> minutes (entry status "retry"); "" ends the entry.
    retry_minutes_setting: str = ""
    # What the center learns about the number dialled.
    phone_status: str = ""
    # promise_to_pay: a date and an amount are required.
    needs_promise: bool = False
    # The operator should ask when to call back (offered, not required).
    offers_callback: bool = False


_OUTCOME_LIST = [
    Outcome(
        "no_answer",
        _("不在（応答なし）"),
        key="1",
        party=Party.NONE,
        retry_minutes_setting="no_answer_retry_minutes",
    ),
    Outcome(
        "busy", _("話中"), key="2", party=Party.NONE, retry_minutes_setting="busy_retry_minutes"
    ),
    Outcome(
        "voicemail",
        _("留守番電話（用件は残さない）"),
        key="3",
        party=Party.NONE,
        retry_minutes_setting="no_answer_retry_minutes",
    ),
    Outcome(
        "contacted_other_party",
        _("本人以外が応答（折返し依頼のみ）"),
        key="4",
        offers_callback=True,
        retry_minutes_setting="no_answer_retry_minutes",
    ),
    Outcome(
        "promise_to_pay",
        _("納付約束"),
        key="5",
        needs_identity=True,
        party=Party.SELF,
        needs_promise=True,
    ),
    Outcome("will_pay_today", _("本日納付予定"), key="6", needs_identity=True, party=Party.SELF),
    Outcome(
        "contacted_payer",
        _("本人に説明（約束なし）"),
        key="7",
        needs_identity=True,
        party=Party.SELF,
    ),
    Outcome(
        "claims_paid",
        _("納付済みとの申出"),
        key="8",
        needs_identity=True,
        party=Party.SELF,
        task_kind=TaskKind.VERIFY_PAYMENT,
        task_reason=TaskReason.CLAIMS_PAID,
    ),
    Outcome(
        "wants_plan",
        _("分納の希望（区へ引継ぎ）"),
        key="9",
        needs_identity=True,
        party=Party.SELF,
        task_kind=TaskKind.ESCALATION,
        task_reason=TaskReason.WANTS_PLAN,
    ),
    Outcome(
        "hardship",
        _("生活困窮の申出（区へ引継ぎ）"),
        key="0",
        needs_identity=True,
        party=Party.SELF,
        task_kind=TaskKind.ESCALATION,
        task_reason=TaskReason.HARDSHIP,
    ),
    Outcome("refused", _("応対拒否"), key="k"),
    Outcome(
        "wrong_number",
        _("別人の番号"),
        key="b",
        party=Party.OTHER,
        phone_status=PhoneStatus.Status.WRONG_NUMBER,
        retry_minutes_setting="no_answer_retry_minutes",
    ),
    Outcome(
        "not_in_service",
        _("現在使われていない番号"),
        key="f",
        party=Party.NONE,
        phone_status=PhoneStatus.Status.NOT_IN_SERVICE,
        retry_minutes_setting="no_answer_retry_minutes",
    ),
    Outcome(
        "moved",
        _("転居の申出"),
        key="t",
        needs_identity=True,
        party=Party.SELF,
        task_kind=TaskKind.ADDRESS_CHANGE,
        task_reason=TaskReason.MOVED,
    ),
    Outcome(
        "deceased",
        _("死亡の申出（家族等から）"),
        key="s",
        party="",
        task_kind=TaskKind.DECEASED,
        task_reason=TaskReason.DECEASED,
    ),
]

OUTCOMES: dict[str, Outcome] = {o.code: o for o in _OUTCOME_LIST}


class OutcomeChoice(NamedTuple):
    """One outcome as a screen offers it: its key, and whether it may be chosen now."""

    key: str
    outcome: Outcome
    enabled: bool


def outcome_choices(*, identity_verified: bool) -> list[OutcomeChoice]:
    """Every outcome in the screen's order, with its key; those needing identity are
    disabled until it is confirmed (shown, never renumbered)."""
    return [
        OutcomeChoice(o.key, o, identity_verified or not o.needs_identity) for o in _OUTCOME_LIST
    ]

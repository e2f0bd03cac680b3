"""Who may do what: one table of capabilities per role, derived from `Role`.

Permissions (`core/permissions.py`), the navigation and every view ask this table;
no module keeps its own tuple of role names. A new capability is one member here and
one line per role that has it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from saikoku.core.models import Role

__all__ = ["ROLE_CAPABILITIES", "Capability", "roles_with", "user_can"]


class Capability(StrEnum):
    # Open payers at all (search, payer page, tasks); the auditor reads logs only.
    WORK_WITH_PAYERS = "work_with_payers"
    # Read the audit log.
    READ_AUDIT = "read_audit"
    # Read the audit trail's analysis (anomalies of a period) and download it.
    ANALYSE_AUDIT = "analyse_audit"
    # Read the reason of a caution flag (CONSOLE.md: "the reason only for ward staff").
    READ_CAUTION_NOTE = "read_caution_note"
    # Reveal a masked direct-debit account number (audited).
    REVEAL_ACCOUNT = "reveal_account"
    # Build, assign and follow call lists.
    BUILD_LISTS = "build_lists"
    # Be given list entries and callbacks to work.
    TAKE_ASSIGNMENTS = "take_assignments"
    # Work the call screen ("Next").
    CALL = "call"
    # Amend anyone's contact record, not only one's own.
    AMEND_ANY_RECORD = "amend_any_record"
    # Amend contact records (one's own; with AMEND_ANY_RECORD, anyone's).
    AMEND_RECORDS = "amend_records"
    # Grant an audited exception to an eligibility rule.
    APPROVE_CONTACT = "approve_contact"
    # Export the results package for the ward.
    EXPORT_RESULTS = "export_results"
    # Read every task, not only one's own or one's department's.
    READ_ALL_TASKS = "read_all_tasks"
    # Accept and close the tasks of one's department (the ward-staff queue).
    WORK_DEPARTMENT_QUEUE = "work_department_queue"
    # Manage users and settings.
    ADMINISTER = "administer"
    # Manage the designated handlers (取扱責任者・取扱者): list, add, change, disable,
    # reset a second factor, export the list for the ward.
    MANAGE_HANDLERS = "manage_handlers"
    # One's own account: change one's password, list and end one's own sessions.
    OWN_ACCOUNT = "own_account"
    # Work the center's own back-office tasks (reissue a slip, follow returned mail).
    WORK_TASKS = "work_tasks"
    # Assign and reassign tasks (in bulk), follow overdue work.
    ASSIGN_TASKS = "assign_tasks"
    # Register returned mail and inquiry documents, read their files and counts.
    HANDLE_MAIL = "handle_mail"
    # Enter paper and media handoffs in the custody ledger (管理簿).
    RECORD_CUSTODY = "record_custody"
    # Read the incident register (インシデント管理簿) and download it for the ward.
    VIEW_INCIDENTS = "view_incidents"
    # Record incidents in the register: new ones, actions taken, payers affected, the
    # report to the ward and the closing (docs/security/incident.md).
    RECORD_INCIDENTS = "record_incidents"
    # See SMS templates and campaigns and their progress.
    READ_SMS = "read_sms"
    # Write SMS templates (each change needs a new approval).
    WRITE_SMS_TEMPLATES = "write_sms_templates"
    # Approve SMS templates, allow personal placeholders or a published URL domain.
    APPROVE_SMS_TEMPLATES = "approve_sms_templates"
    # Create, schedule and resume SMS campaigns.
    RUN_SMS_CAMPAIGNS = "run_sms_campaigns"
    # Pause or cancel an SMS campaign: whoever approves sending can also stop it.
    STOP_SMS_CAMPAIGNS = "stop_sms_campaigns"
    # Approve another person's SMS campaign before it is sent (four eyes).
    APPROVE_SMS_CAMPAIGNS = "approve_sms_campaigns"
    # Record a payer's wish not to be texted and their language for texts.
    RECORD_SMS_PREFERENCES = "record_sms_preferences"
    # Answer inbound calls: the screen pop at one's extension, guidance, transfer.
    ANSWER_INBOUND = "answer_inbound"
    # Watch the live board of inbound calls (ringing, answered, abandoned, transfers).
    WATCH_INBOUND_BOARD = "watch_inbound_board"
    # Read the results dashboard (activity, effect, collection rate) and the records
    # behind each figure; ward staff see their department's levies only.
    READ_REPORTS = "read_reports"
    # Produce the monthly report to the ward (業務報告書, xlsx and PDF).
    PRODUCE_MONTHLY_REPORT = "produce_monthly_report"


C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OPERATOR: frozenset(
        {
            C.WORK_WITH_PAYERS,
            C.REVEAL_ACCOUNT,
            C.TAKE_ASSIGNMENTS,
            C.CALL,
            C.AMEND_RECORDS,
            C.OWN_ACCOUNT,
            C.WORK_TASKS,
            C.HANDLE_MAIL,
            C.RECORD_SMS_PREFERENCES,
            C.ANSWER_INBOUND,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            C.WORK_WITH_PAYERS,
            C.REVEAL_ACCOUNT,
            C.BUILD_LISTS,
            C.TAKE_ASSIGNMENTS,
            C.CALL,
            C.AMEND_RECORDS,
            C.AMEND_ANY_RECORD,
            C.READ_ALL_TASKS,
            C.OWN_ACCOUNT,
            C.WORK_TASKS,
            C.ASSIGN_TASKS,
            C.HANDLE_MAIL,
            C.RECORD_CUSTODY,
            C.VIEW_INCIDENTS,
            C.RECORD_INCIDENTS,
            C.READ_SMS,
            C.WRITE_SMS_TEMPLATES,
            C.RUN_SMS_CAMPAIGNS,
            C.STOP_SMS_CAMPAIGNS,
            C.APPROVE_SMS_CAMPAIGNS,
            C.RECORD_SMS_PREFERENCES,
            C.ANSWER_INBOUND,
            C.WATCH_INBOUND_BOARD,
            C.READ_REPORTS,
            C.PRODUCE_MONTHLY_REPORT,
        }
    ),
    Role.WARD_STAFF: frozenset(
        {
            C.WORK_WITH_PAYERS,
            C.READ_CAUTION_NOTE,
            C.REVEAL_ACCOUNT,
            C.WORK_DEPARTMENT_QUEUE,
            C.OWN_ACCOUNT,
            C.READ_REPORTS,
        }
    ),
    Role.WARD_ADMIN: frozenset(
        {
            C.WORK_WITH_PAYERS,
            C.READ_AUDIT,
            C.ANALYSE_AUDIT,
            C.READ_CAUTION_NOTE,
            C.REVEAL_ACCOUNT,
            C.BUILD_LISTS,
            C.AMEND_RECORDS,
            C.AMEND_ANY_RECORD,
            C.APPROVE_CONTACT,
            C.EXPORT_RESULTS,
            C.READ_ALL_TASKS,
            C.ADMINISTER,
            C.MANAGE_HANDLERS,
            C.OWN_ACCOUNT,
            C.RECORD_CUSTODY,
            C.VIEW_INCIDENTS,
            C.RECORD_INCIDENTS,
            C.READ_SMS,
            C.APPROVE_SMS_TEMPLATES,
            C.APPROVE_SMS_CAMPAIGNS,
            C.STOP_SMS_CAMPAIGNS,
            C.RECORD_SMS_PREFERENCES,
            C.READ_REPORTS,
            C.PRODUCE_MONTHLY_REPORT,
        }
    ),
    # The auditor reads the register (no payer is named to them: they open no payers).
    Role.AUDITOR: frozenset({C.READ_AUDIT, C.ANALYSE_AUDIT, C.OWN_ACCOUNT, C.VIEW_INCIDENTS}),
}
del C


def roles_with(capability: Capability) -> tuple[str, ...]:
    """The role names that have the capability, in the order of `Role`."""
    return tuple(
        str(role) for role in Role if capability in ROLE_CAPABILITIES.get(role, frozenset())
    )


def user_can(user: Any, capability: Capability) -> bool:
    """Whether a logged-in, active user's role has the capability."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", True):
        return False
    return capability in ROLE_CAPABILITIES.get(getattr(user, "role", ""), frozenset())

"""Which tables an erasure empties and which it keeps, in one place: every table of the
project's models is in exactly one of the two (tests/privacy/test_erasure.py checks it),
so a new model cannot be forgotten by `saikoku erase --all`.
"""

from __future__ import annotations

# Every table of the project's models is either erased with everything (the ward's
# data and what the center recorded about its residents) or kept (no resident's data:
# the center's own staff and settings, and the records the erasure must leave: the
# audit trail, the custody ledger, the list of imported packages). A test checks
# that every model is in exactly one of the two.
ERASED_WITH_ALL = frozenset(
    {
        "people_household",
        "people_resident",
        "people_phone",
        "arrears_assessment",
        "arrears_bill",
        "arrears_payment",
        "arrears_plan",
        "arrears_measure",
        "arrears_wardhistory",
        "arrears_account",
        "interchange_packageresident",
        "outreach_contactpreference",
        "outreach_phonestatus",
        "outreach_contactapproval",
        "outreach_calllist",
        "outreach_calllistentry",
        "outreach_contactrecord",
        "outreach_promise",
        "outreach_callback",
        "backoffice_task",
        "backoffice_taskevent",
        "backoffice_returnedmailimport",
        "backoffice_returnedmail",
        "backoffice_inquiry",
        "backoffice_inquiryfile",
        "inbound_ctievent",
        "inbound_inboundcall",
        "inbound_seensignature",
        "inbound_transfer",
        "sms_smspayerpreference",
        "sms_smscampaign",
        "sms_smsmessage",
        "sms_smsdeliveryreport",
        # The link of an incident to an affected payer; the incident keeps its count.
        "privacy_incidentpayer",
        # Sessions, the admin's log and finished background tasks may name residents.
        "django_session",
        "core_usersession",
        "django_admin_log",
        "django_tasks_database_dbtaskresult",
    }
)
KEPT = frozenset(
    {
        "django_content_type",
        "auth_permission",
        "auth_group",
        "auth_group_permissions",
        "core_user",
        "core_user_groups",
        "core_user_user_permissions",
        "core_handlerchange",
        "core_totpdevice",
        "otp_static_staticdevice",
        "otp_static_statictoken",
        "axes_accessfailurelog",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accesslog",
        "core_auditentry",  # append-only, sealed by its HMAC chain
        "core_auditanalysis",
        "interchange_importedpackage",  # package ids, SHA-256 and counts: the report's list
        "privacy_custodyledgerentry",
        "privacy_datakey",  # destroyed by destroy_data_keys, not by a delete here
        # The incident register and its append-only timeline: the record of what
        # happened outlives the data (texts name no resident: incident.md).
        "privacy_incident",
        "privacy_incidentaction",
        "arrears_latechargerate",
        "outreach_contactsettings",
        "outreach_team",
        "outreach_team_members",
        "sms_smstemplate",
        "sms_smstemplatetext",
        "sms_smsratebucket",  # a provider's send-rate tokens, no personal data
        "inbound_paymentguidance",
        "reports_monthlyreport",
    }
)
# Data folder sub-folders holding personal data outside the database (staged result
# packages, import problem reports, demo packages).
DATA_SUBFOLDERS = ("exports", "reports", "demo")

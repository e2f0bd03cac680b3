"""Writes of the inbound app: events in (cti_event_accept, call_event_apply), what the
operator does on the call (inbound_payer_choose, inbound_call_record,
inbound_task_request) and the transfer to ward staff (transfer_request,
transfer_accept, transfers_expire).

The package, by what each module holds:

- `call_events.py`: the phone system's events in, and the call they make up;
- `call_handling.py`: the operator's work on the call they answered;
- `transfers.py`: transfers to ward staff, taken or turned into call-backs.

Import from `saikoku.inbound.services`; the modules are its parts.
"""

from saikoku.inbound.services.call_events import (
    call_event_apply,
    cti_event_accept,
    event_from_json,
)
from saikoku.inbound.services.call_handling import (
    TASK_REQUESTS,
    inbound_call_record,
    inbound_payer_choose,
    inbound_task_request,
)
from saikoku.inbound.services.transfers import (
    departments_for_levies,
    transfer_accept,
    transfer_request,
    transfers_expire,
)

__all__ = [
    "TASK_REQUESTS",
    "call_event_apply",
    "cti_event_accept",
    "departments_for_levies",
    "event_from_json",
    "inbound_call_record",
    "inbound_payer_choose",
    "inbound_task_request",
    "transfer_accept",
    "transfer_request",
    "transfers_expire",
]

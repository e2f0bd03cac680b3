"""What the backup and erasure tests do inside an installation, as a process of its
own on that installation's database (support/backups.py runs it):

    python -m support.backup_scenario setup PACKAGE.zip TEXT   # import, store a file
    python -m support.backup_scenario read-file NAME
    python -m support.backup_scenario audit-tail N
    python -m support.backup_scenario import PACKAGE.zip
    python -m support.backup_scenario store-file TEXT
    python -m support.backup_scenario log TEXT     # one warning line in the log file
    python -m support.backup_scenario write-during-backup OUT
    python -m support.backup_scenario incident RESIDENT_NO   # an incident affecting them
    python -m support.backup_scenario incident-state ID

The last starts a thread that appends audit entries without pause and takes a backup
while it writes; it prints the entry counts when the backup started and ended.
Each command prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")


def _setup(package: str, text: str) -> dict[str, Any]:
    from saikoku.interchange.services import package_import
    from saikoku.privacy.files import encrypted_file_store

    result = package_import(path=Path(package), password=None)
    stored = encrypted_file_store(text.encode("utf-8"), purpose="inquiries")
    return {"status": result.status, "stored": stored}


def _read_file(name: str) -> dict[str, Any]:
    from saikoku.privacy.files import encrypted_file_read

    return {"text": encrypted_file_read(name).decode("utf-8")}


def _audit_tail(count: int) -> list[dict[str, Any]]:
    from saikoku.core.models import AuditEntry

    entries = AuditEntry.objects.order_by("-seq")[:count]
    return [
        {"seq": e.seq, "action": e.action, "object_id": e.object_id, "detail": e.detail}
        for e in entries
    ]


def _incident(resident_no: str) -> dict[str, Any]:
    """Records an incident that affected this payer and one more person (a family
    member, no payer), with an action on its timeline after the discovery; returns
    its state. The texts name no resident, as the register's rule asks."""
    import datetime as dt

    from django.utils import timezone

    from saikoku.privacy.incidents import incident_action_add, incident_create
    from support.personas import make_user

    actor = make_user("incident-supervisor", "supervisor", enrolled=False)
    found = timezone.now() - dt.timedelta(hours=2)
    incident = incident_create(
        actor=actor,
        title="催告書の誤送付",
        what="別の世帯の催告書を同封して発送した。",
        occurred_at=found - dt.timedelta(days=1),
        found_at=found,
        found_by_name="佐藤",
        kind="misdelivery",
        scope="発送分のうち1通",
        severity="serious",
        affected_count=2,
        payer_numbers=[resident_no],
    )
    incident_action_add(
        incident_id=incident.pk,
        actor=actor,
        at=found + dt.timedelta(minutes=20),
        by="佐藤",
        text="誤送付先に連絡し、返送を依頼した。",
    )
    return _incident_state(incident.pk)


def _incident_state(incident_id: int) -> dict[str, Any]:
    from saikoku.privacy.models import Incident, IncidentAction, IncidentPayer

    incident = Incident.objects.get(pk=incident_id)
    timeline = IncidentAction.objects.filter(incident=incident).order_by("at", "pk")
    linked = IncidentPayer.objects.filter(incident=incident)
    return {
        "incident": incident.pk,
        "status": incident.status,
        "affected_count": incident.affected_count,
        "timeline": [[a.pk, a.kind, a.text] for a in timeline],
        "payers": sorted(linked.values_list("payer__resident_no", flat=True)),
    }


def _write_during_backup(out: str) -> dict[str, Any]:
    from django.db import connection

    from saikoku.core.audit import audit_record
    from saikoku.core.models import AuditEntry
    from saikoku.privacy.backup import backup_create

    stop = threading.Event()
    written = [0]

    def writer() -> None:
        try:
            while not stop.is_set():
                audit_record(actor=None, action="search", detail={"q": f"w{written[0]}"})
                written[0] += 1
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    while written[0] < 20:
        time.sleep(0.01)
    start = AuditEntry.objects.count()
    result = backup_create(out=Path(out))
    end = AuditEntry.objects.count()
    time.sleep(0.1)
    stop.set()
    thread.join()
    return {
        "start": start,
        "end": end,
        "final": AuditEntry.objects.count(),
        "head": result.audit_head,
        "sha256": result.sha256,
    }


def main(argv: list[str]) -> None:
    import django

    django.setup()
    command, *args = argv
    if command == "setup":
        found: Any = _setup(*args)
    elif command == "read-file":
        found = _read_file(args[0])
    elif command == "import":
        from saikoku.interchange.services import package_import

        found = {"status": package_import(path=Path(args[0]), password=None).status}
    elif command == "store-file":
        from saikoku.privacy.files import encrypted_file_store

        found = {"stored": encrypted_file_store(args[0].encode("utf-8"), purpose="inquiries")}
    elif command == "log":
        import logging

        logging.getLogger("django.request").warning(args[0])
        found = {"logged": True}
    elif command == "audit-tail":
        found = _audit_tail(int(args[0]))
    elif command == "write-during-backup":
        found = _write_during_backup(args[0])
    elif command == "incident":
        found = _incident(args[0])
    elif command == "incident-state":
        found = _incident_state(int(args[0]))
    else:
        raise SystemExit(f"unknown command {command}")
    sys.stdout.write(json.dumps(found, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Inquiry documents (照会文書): inquiries sent to banks, employers, other
municipalities and pension offices about a payer, the answers, and their scanned files.

Files are checked by content, never by name: PDF, PNG, JPEG or TIFF by their first
bytes, at most settings.UPLOAD_MAX_BYTES. A PDF that carries /JavaScript or an
/EmbeddedFile is kept (it is the document that came in) but flagged, and no file is
ever served inline: every download is an attachment with nosniff, and audited. The
bytes are stored encrypted (privacy.files).

An inquiry past its due date without an answer becomes an "inquiry overdue" task
(`inquiries_overdue_sweep`, run by `saikoku inquiries-overdue` daily); the answer
closes that task.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.backoffice.models import (
    FINISHED,
    Inquiry,
    InquiryFile,
    InquiryStatus,
    Task,
    TaskEvent,
    TaskKind,
    TaskStatus,
)
from saikoku.backoffice.services import task_create
from saikoku.core.audit import audit_record
from saikoku.core.roles import Capability, user_can
from saikoku.privacy.files import encrypted_file_read, encrypted_file_store

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = [
    "file_kind",
    "inquiries_overdue_sweep",
    "inquiry_answer",
    "inquiry_file_add",
    "inquiry_file_read",
    "inquiry_register",
    "pdf_has_active_content",
]

# First bytes -> (content type, extension) of the file kinds accepted.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"II*\x00", "image/tiff", "tif"),
    (b"MM\x00*", "image/tiff", "tif"),
)
# PDF names may hide letters as #xx escapes (/J#61vaScript); they are undone first.
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_ACTIVE = re.compile(rb"/(JavaScript|JS|EmbeddedFile|EmbeddedFiles|Launch)\b")


def file_kind(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) by the file's first bytes; None: not accepted."""
    for magic, content_type, extension in SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    return None


def pdf_has_active_content(data: bytes) -> bool:
    """Whether a PDF names JavaScript, an embedded file or a launch action."""
    plain = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
    return _ACTIVE.search(plain) is not None


def _audit(
    actor: User | None, action: str, inquiry: Inquiry, client_addr: str, **detail: Any
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="inquiry",
        object_id=str(inquiry.pk),
        client_addr=client_addr,
        detail={"payer": inquiry.payer_id, **detail},
    )


def inquiry_register(
    *,
    actor: User,
    counterpart_kind: str,
    counterpart_name: str,
    sent_on: dt.date,
    due_on: dt.date,
    payer_id: int | None = None,
    department: str = "",
    notes: str = "",
    client_addr: str = "",
) -> Inquiry:
    if due_on < sent_on:
        raise ValidationError(_("回答期限は発送日より後にしてください。"), code="due_on")
    with transaction.atomic(durable=True):
        inquiry = Inquiry.objects.create(
            payer_id=payer_id,
            department=department,
            counterpart_kind=counterpart_kind,
            counterpart_name=counterpart_name,
            sent_on=sent_on,
            due_on=due_on,
            notes=notes,
            created_by=actor,
            created_at=timezone.now(),
        )
        _audit(actor, "inquiry_register", inquiry, client_addr)
    return inquiry


def inquiry_answer(
    *,
    actor: User,
    inquiry: Inquiry,
    received_on: dt.date,
    notes: str = "",
    client_addr: str = "",
) -> Inquiry:
    """The answer came back: the inquiry is answered and its overdue task, if any,
    is done."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        updated = Inquiry.objects.filter(pk=inquiry.pk, status=InquiryStatus.SENT).update(
            status=InquiryStatus.ANSWERED,
            received_on=received_on,
            notes=(inquiry.notes + "\n" + notes).strip() if notes else inquiry.notes,
        )
        if not updated:
            raise ValidationError(_("この照会はすでに回答済みです。"), code="answered")
        if inquiry.overdue_task_id:
            task = Task.objects.get(pk=inquiry.overdue_task_id)
            if task.status not in FINISHED:
                result = _("回答を受領（%(day)s）") % {"day": f"{received_on:%Y-%m-%d}"}
                Task.objects.filter(pk=task.pk).update(
                    status=TaskStatus.DONE, closed_by=actor, closed_at=now, result=result
                )
                TaskEvent.objects.create(
                    task=task,
                    at=now,
                    actor=actor,
                    action=TaskEvent.Action.STATUS,
                    from_status=task.status,
                    to_status=TaskStatus.DONE,
                    note=result,
                )
                audit_record(
                    actor=actor,
                    action="task_close",
                    object_type="task",
                    object_id=str(task.pk),
                    client_addr=client_addr,
                    detail={"department": task.department, "kind": task.kind},
                )
        _audit(actor, "inquiry_answer", inquiry, client_addr)
    inquiry.refresh_from_db()
    return inquiry


def inquiry_file_add(
    *,
    actor: User,
    inquiry: Inquiry,
    part: str,
    name: str,
    data: bytes,
    client_addr: str = "",
) -> InquiryFile:
    """Checks a scanned file by its content and size, stores it encrypted."""
    limit = settings.UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise ValidationError(
            _("ファイルが大きすぎます（上限 %(limit)s バイト）。解像度を下げてください。")
            % {"limit": f"{limit:,}"},
            code="too_large",
        )
    kind = file_kind(data)
    if kind is None:
        raise ValidationError(
            _("PDF・PNG・JPEG・TIFF のファイルではありません（中身で判定しています）。"),
            code="file_type",
        )
    content_type, _extension = kind
    active = content_type == "application/pdf" and pdf_has_active_content(data)
    with transaction.atomic(durable=True):
        stored = encrypted_file_store(data, purpose="inquiries")
        record = InquiryFile.objects.create(
            inquiry=inquiry,
            part=part,
            original_name=name[:255],
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            stored_name=stored,
            active_content=active,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        _audit(actor, "inquiry_file_upload", inquiry, client_addr, file=record.pk, active=active)
    return record


def inquiry_file_read(*, actor: User, file: InquiryFile, client_addr: str = "") -> bytes:
    """The plain bytes of a file for a download, audited."""
    data = encrypted_file_read(file.stored_name)
    with transaction.atomic(durable=True):
        _audit(actor, "inquiry_file_download", file.inquiry, client_addr, file=file.pk)
    return data


def inquiries_visible_to(user: Any) -> QuerySet[Inquiry]:
    if not user_can(user, Capability.HANDLE_MAIL):
        return Inquiry.objects.none()
    return Inquiry.objects.select_related("payer", "created_by")


def inquiries_overdue_sweep(*, today: dt.date | None = None) -> int:
    """Gives every unanswered inquiry past its due date one "inquiry overdue" task.
    Returns how many tasks were made. Safe to run any number of times a day."""
    today = today or timezone.localdate()
    made = 0
    for inquiry in Inquiry.objects.filter(
        status=InquiryStatus.SENT, due_on__lt=today, overdue_task__isnull=True
    ):
        with transaction.atomic(durable=True):
            task = task_create(
                kind=TaskKind.INQUIRY_OVERDUE,
                actor=None,
                payer_id=inquiry.payer_id,
                department=inquiry.department,
                summary=_("%(name)s への照会（%(sent)s 発送、期限 %(due)s）の回答がありません。")
                % {
                    "name": inquiry.counterpart_name,
                    "sent": f"{inquiry.sent_on:%Y-%m-%d}",
                    "due": f"{inquiry.due_on:%Y-%m-%d}",
                },
            )
            claimed = Inquiry.objects.filter(pk=inquiry.pk, overdue_task__isnull=True).update(
                overdue_task=task
            )
            if not claimed:
                # Another sweep got there first: this task must not exist.
                transaction.set_rollback(True)
                continue
        made += 1
    return made

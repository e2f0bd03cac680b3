"""Inquiry files at rest and on the way out, and the paper custody ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from saikoku.backoffice.inquiries import inquiries_overdue_sweep, inquiry_register
from saikoku.backoffice.models import InquiryFile, Task, TaskKind
from saikoku.core.models import AuditEntry
from saikoku.privacy.files import EncryptedFileError, encrypted_file_path, encrypted_file_read
from saikoku.privacy.models import CustodyLedgerEntry
from support.personas import logged_in_client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
JS_PDF = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /J#61vaScript /JS (app.alert(1)) >> >> endobj\n"


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.FILES_DIR = tmp_path / "files"
    settings.MASTER_KEY = "test-master-key-" + "x" * 40


@pytest.fixture
def inquiry(operator):
    return inquiry_register(actor=operator, counterpart_kind="bank", counterpart_name="新宿銀行",
                            sent_on=dt.date(2025, 11, 1), due_on=dt.date(2025, 11, 20))  # fmt: skip


def upload(client, inquiry, name, data):
    return client.post(
        reverse("inquiry_file_upload", args=[inquiry.pk]),
        {"part": "answer", "file": SimpleUploadedFile(name, data)},
    )


def test_stored_bytes_are_not_the_plain_file_and_downloads_are_attachments(operator, inquiry):
    client = logged_in_client(operator)
    assert upload(client, inquiry, "回答.pdf", PDF).status_code == 302
    stored = InquiryFile.objects.get()
    on_disk = encrypted_file_path(stored.stored_name).read_bytes()
    assert PDF not in on_disk and b"%PDF" not in on_disk
    response = client.get(reverse("inquiry_file_download", args=[stored.pk]))
    assert response.content == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(action="inquiry_file_download").count() == 1


def test_a_file_of_another_type_renamed_pdf_is_refused(operator, inquiry):
    response = upload(logged_in_client(operator), inquiry, "scan.pdf", b"MZ\x90\x00 not a pdf")
    assert response.status_code == 400 and "中身で判定" in response.content.decode()
    assert not InquiryFile.objects.exists()


def test_a_too_large_file_is_refused(operator, inquiry, settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = upload(
        logged_in_client(operator), inquiry, "big.png", b"\x89PNG\r\n\x1a\n" + b"0" * 200
    )
    assert response.status_code == 400 and "大きすぎます" in response.content.decode()


def test_a_pdf_with_javascript_is_kept_but_never_served_inline(operator, inquiry):
    client = logged_in_client(operator)
    upload(client, inquiry, "odd.pdf", JS_PDF)
    stored = InquiryFile.objects.get()
    assert stored.active_content
    response = client.get(reverse("inquiry_file_download", args=[stored.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_file_under_another_master_key_does_not_decrypt(operator, inquiry, settings):
    upload(logged_in_client(operator), inquiry, "a.pdf", PDF)
    settings.MASTER_KEY = "another-master-key-" + "y" * 40
    with pytest.raises(EncryptedFileError, match="master key"):
        encrypted_file_read(InquiryFile.objects.get().stored_name)


def test_a_file_stored_under_another_name_fails_its_check(operator, inquiry):
    client = logged_in_client(operator)
    upload(client, inquiry, "a.pdf", PDF)
    upload(client, inquiry, "b.pdf", PDF + b"%second")
    first, second = InquiryFile.objects.order_by("pk")
    encrypted_file_path(second.stored_name).write_bytes(
        encrypted_file_path(first.stored_name).read_bytes()
    )
    with pytest.raises(EncryptedFileError, match="fails its check"):
        encrypted_file_read(second.stored_name)


def test_overdue_inquiry_becomes_a_task_and_its_answer_closes_it(operator, inquiry):
    assert inquiries_overdue_sweep(today=dt.date(2025, 11, 21)) == 1
    assert inquiries_overdue_sweep(today=dt.date(2025, 11, 22)) == 0  # once
    task = Task.objects.get(kind=TaskKind.INQUIRY_OVERDUE)
    logged_in_client(operator).post(
        reverse("inquiry_answer", args=[inquiry.pk]), {"received_on": "2025-11-25"}
    )
    task.refresh_from_db()
    inquiry.refresh_from_db()
    assert (task.status, inquiry.status) == ("done", "answered")


def test_paper_handoffs_are_entered_in_the_custody_ledger(supervisor, operator):
    client = logged_in_client(supervisor)
    response = client.post(reverse("custody_ledger"), {
        "at": "2025-11-05T10:30", "direction": "received", "handler": "佐藤", "content": "返戻郵便",
        "quantity": "12", "quantity_unit": "envelopes", "medium": "paper",
        "counterpart": "税務課 山田",
        "return_or_destroy_on": "2025-12-05",
    })  # fmt: skip
    assert response.status_code == 302
    entry = CustodyLedgerEntry.objects.get()
    assert (entry.total_rows, entry.medium, entry.handler, entry.return_or_destroy_on) == (
        12,
        "paper",
        "佐藤",
        dt.date(2025, 12, 5),
    )
    assert "data-custody-row" in client.get(reverse("custody_ledger")).content.decode()
    assert logged_in_client(operator).get(reverse("custody_ledger")).status_code == 403

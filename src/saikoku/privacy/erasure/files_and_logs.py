"""What an erasure removes outside the database tables: the stored files of the
erased rows, whole data sub-folders, the backups `saikoku backup` made (found through
the custody ledger), and the erased values (and search words) blanked in text files
such as the log.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from saikoku.privacy.erasure.result import ErasureResult
from saikoku.privacy.erasure.rows import chunks
from saikoku.privacy.erasure.scan import found_in, value_finder


def remove_tree_contents(root: Path) -> int:
    """Removes the folder `root` and everything in it; returns how many files it held."""
    if not root.is_dir():
        return 0
    count = sum(1 for p in root.rglob("*") if p.is_file())
    shutil.rmtree(root)
    return count


def stored_files_of(inquiry_file_ids: Iterable[int]) -> list[str]:
    """The stored names of these inquiry files, read before their rows are deleted."""
    from saikoku.backoffice.models import InquiryFile

    names: list[str] = []
    for chunk in chunks(sorted(set(inquiry_file_ids))):
        names += InquiryFile.objects.filter(pk__in=chunk).values_list("stored_name", flat=True)
    return names


def remove_stored(names: Iterable[str]) -> int:
    """Deletes these encrypted stored files; returns how many were there."""
    from saikoku.privacy.files import EncryptedFileError, encrypted_file_path

    count = 0
    for name in names:
        try:
            path = encrypted_file_path(name)
        except EncryptedFileError:
            continue
        if path.exists():
            path.unlink()
            count += 1
    return count


def remove_backups(result: ErasureResult) -> None:
    """Deletes every backup `saikoku backup` made that is still where it was written
    (the custody ledger names them), checking it is one of ours first."""
    from saikoku.privacy.backup import MAGIC
    from saikoku.privacy.models import CustodyLedgerEntry

    for entry in CustodyLedgerEntry.objects.filter(files__0__kind="backup").order_by("at"):
        for item in entry.files:
            path = Path(str(item.get("path", "")))
            present = path.is_file()
            if present:
                with path.open("rb") as source:
                    present = source.read(len(MAGIC)) == MAGIC
            if present:
                path.unlink()
            result.backups.append(
                {
                    "name": item.get("name", path.name),
                    "sha256": item.get("sha256", ""),
                    "made_at": entry.at.isoformat(timespec="seconds"),
                    "removed": present,
                }
            )


_QUERY = re.compile(r"\?[^\s\"']+")


def scrub_lines(paths: Iterable[Path], values: set[str], *, queries: bool) -> int:
    """Blanks the erased values (and, with `queries`, every URL query string: search
    words) in these text files, rewriting only the files that change; returns how many
    lines changed."""
    automaton = value_finder(values)
    ordered = sorted(values)
    changed = 0
    for path in paths:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        out = []
        for line in lines:
            new = _QUERY.sub("?[erased]", line) if queries else line
            found = found_in(automaton, new.encode("utf-8"))
            for index in sorted(found, key=lambda i: -len(ordered[i])):
                new = new.replace(ordered[index], "[erased]")
            changed += new != line
            out.append(new)
        if out != lines:
            path.write_text("".join(out), encoding="utf-8")
    return changed

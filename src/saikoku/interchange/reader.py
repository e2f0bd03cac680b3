"""Opens a ward package safely: the ZIP, its entries, manifest.json and the CSV lines.

A package comes from outside the center's network, so nothing in it is trusted: entry
names that could escape a folder are refused, sizes are checked from the headers and
again while decompressing (headers can lie), a suspicious compression ratio (a ZIP
bomb) is refused, and entries are streamed in chunks, never read whole into memory.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyzipper
from django.conf import settings

from saikoku.interchange.report import Problem, make_problem

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 1024 * 1024
CHUNK_BYTES = 1024 * 1024
# Small entries compress very well without being bombs; the ratio is only a concern
# once the uncompressed size is large enough to hurt.
RATIO_MIN_BYTES = 1024 * 1024
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "cp932": "cp932", "windows-31j": "cp932"}
_DRIVE = re.compile(r"^[A-Za-z]:")
# Microsoft's CP932 maps JIS X 0208 row 1 cell 33 (WAVE DASH, as in 9:00〜17:00) to
# FULLWIDTH TILDE. The ward's UTF-8 systems hold WAVE DASH, so a CP932 export is
# mapped back; the same name then reads the same from either encoding.
_CP932_TO_JIS = str.maketrans({"\uff5e": "\u301c"})


class PackageRejected(Exception):
    """The package cannot be read at all; problems says why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(p.code for p in problems))
        self.problems = problems


class EntryProblem(Exception):
    """An entry stopped being readable half-way (too large, bad bytes, bad password)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


@dataclass(frozen=True)
class Limits:
    package_bytes: int
    file_bytes: int
    ratio: int
    field_chars: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            package_bytes=settings.IMPORT_MAX_PACKAGE_BYTES,
            file_bytes=settings.IMPORT_MAX_FILE_BYTES,
            ratio=settings.IMPORT_MAX_RATIO,
            field_chars=settings.IMPORT_MAX_FIELD_CHARS,
        )


@dataclass
class Manifest:
    package_id: str
    kind: str
    extracted_at: datetime
    encoding: str  # a Python codec name: "utf-8" or "cp932"
    files: dict[str, dict[str, Any]]


@dataclass
class EntryDigest:
    sha256: str
    size: int


def unsafe_name(name: str) -> bool:
    """True for a name that could write or point outside the folder it is read into."""
    if not name or "\\" in name or "\x00" in name:
        return True
    if name.startswith("/") or _DRIVE.match(name):
        return True
    return ".." in name.split("/")


class PackageReader:
    """An open package. Use as a context manager; read entries with iter_lines()."""

    def __init__(self, path: Path, *, password: str | None, limits: Limits) -> None:
        self.path = Path(path)
        self.limits = limits
        self.digests: dict[str, EntryDigest] = {}
        try:
            size = self.path.stat().st_size
        except OSError:
            raise PackageRejected([make_problem("not_a_zip")]) from None
        if size > limits.package_bytes:
            raise PackageRejected(
                [make_problem("package_too_large", size=size, limit=limits.package_bytes)]
            )
        if not zipfile.is_zipfile(self.path):
            raise PackageRejected([make_problem("not_a_zip")])
        try:
            self.archive = pyzipper.AESZipFile(self.path)
        except (zipfile.BadZipFile, pyzipper.BadZipFile, OSError, ValueError) as exc:
            raise PackageRejected([make_problem("corrupt_zip", value=type(exc).__name__)]) from None
        if password:
            self.archive.setpassword(password.encode("utf-8"))
        self.entries: dict[str, zipfile.ZipInfo] = {}
        try:
            self._check_entries()
        except PackageRejected:
            self.archive.close()
            raise

    def __enter__(self) -> PackageReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.archive.close()

    # --- entries --------------------------------------------------------------------

    def _check_entries(self) -> None:
        problems: list[Problem] = []
        for info in self.archive.infolist():
            name = info.filename
            mode = info.external_attr >> 16
            if unsafe_name(name) or info.is_dir() or stat.S_ISLNK(mode) or name in self.entries:
                problems.append(make_problem("unsafe_entry_name", value=name))
                continue
            if info.file_size > self.limits.file_bytes:
                problems.append(
                    make_problem(
                        "file_too_large",
                        file=name,
                        size=info.file_size,
                        limit=self.limits.file_bytes,
                    )
                )
                continue
            ratio = self._ratio(info.file_size, info.compress_size)
            if ratio is not None:
                problems.append(
                    make_problem(
                        "compression_ratio", file=name, ratio=ratio, limit=self.limits.ratio
                    )
                )
                continue
            self.entries[name] = info
        if problems:
            raise PackageRejected(problems)

    def _ratio(self, size: int, compressed: int) -> int | None:
        """The ratio when it is suspicious, else None."""
        if size < RATIO_MIN_BYTES:
            return None
        ratio = size // max(compressed, 1)
        return ratio if ratio > self.limits.ratio else None

    def iter_chunks(self, name: str) -> Iterator[bytes]:
        """The entry's bytes in chunks; its digest is in self.digests once exhausted."""
        info = self.entries[name]
        digest = hashlib.sha256()
        total = 0
        try:
            with self.archive.open(info) as handle:
                while chunk := handle.read(CHUNK_BYTES):
                    total += len(chunk)
                    if total > self.limits.file_bytes:
                        raise EntryProblem(
                            make_problem(
                                "file_too_large",
                                file=name,
                                size=total,
                                limit=self.limits.file_bytes,
                            )
                        )
                    ratio = self._ratio(total, info.compress_size)
                    if ratio is not None:
                        raise EntryProblem(
                            make_problem(
                                "compression_ratio", file=name, ratio=ratio, limit=self.limits.ratio
                            )
                        )
                    digest.update(chunk)
                    yield chunk
        except RuntimeError:
            # pyzipper: "password required" / "Bad password"; its text is not passed on.
            raise EntryProblem(make_problem("wrong_password")) from None
        except (zipfile.BadZipFile, pyzipper.BadZipFile, EOFError, OSError, ValueError) as exc:
            if "HMAC" in str(exc) or "password" in str(exc).lower():
                raise EntryProblem(make_problem("wrong_password")) from None
            raise EntryProblem(
                make_problem("corrupt_zip", file=name, value=type(exc).__name__)
            ) from None
        self.digests[name] = EntryDigest(digest.hexdigest(), total)

    def read_small(self, name: str, limit: int) -> bytes:
        data = bytearray()
        for chunk in self.iter_chunks(name):
            data += chunk
            if len(data) > limit:
                raise EntryProblem(
                    make_problem("file_too_large", file=name, size=len(data), limit=limit)
                )
        return bytes(data)

    def iter_lines(self, name: str, encoding: str) -> Iterator[tuple[int, str]]:
        """(line number, text without its line end) of an entry, decoded.

        Decoding goes by blocks of whole lines; \\n never occurs inside a multi-byte
        character in UTF-8 or CP932, so the line of a bad byte is exact.
        """
        line_no = 0
        rest = b""
        first = True
        cp932 = encoding == "cp932"
        for chunk in self.iter_chunks(name):
            data = rest + chunk if rest else chunk
            if first:
                first = False
                if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
                    data = data[len(codecs.BOM_UTF8) :]
            cut = data.rfind(b"\n")
            if cut < 0:
                rest = data
                continue
            rest = data[cut + 1 :]
            block = data[: cut + 1]
            for text in self._decode(name, block, encoding, line_no, cp932).split("\n")[:-1]:
                line_no += 1
                yield line_no, text[:-1] if text.endswith("\r") else text
        if rest:
            text = self._decode(name, rest, encoding, line_no, cp932)
            yield line_no + 1, text[:-1] if text.endswith("\r") else text

    @staticmethod
    def _decode(name: str, block: bytes, encoding: str, line_no: int, cp932: bool) -> str:
        try:
            text = block.decode(encoding)
        except UnicodeDecodeError as exc:
            line = line_no + block.count(b"\n", 0, exc.start) + 1
            raise EntryProblem(
                make_problem("wrong_encoding", file=name, line=line, expected=encoding)
            ) from None
        return text.translate(_CP932_TO_JIS) if cp932 else text

    # --- manifest -------------------------------------------------------------------

    def read_manifest(self, *, municipality_code: str) -> Manifest:
        if MANIFEST not in self.entries:
            raise PackageRejected([make_problem("missing_manifest", file=MANIFEST)])
        try:
            raw = self.read_small(MANIFEST, MAX_MANIFEST_BYTES)
        except EntryProblem as exc:
            raise PackageRejected([exc.problem]) from None
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PackageRejected(
                [make_problem("invalid_manifest", file=MANIFEST, value=str(exc))]
            ) from None
        if not isinstance(data, dict):
            raise PackageRejected(
                [make_problem("invalid_manifest", file=MANIFEST, value="not an object")]
            )
        return _manifest_from(data, municipality_code=municipality_code)


@dataclass
class _ManifestCheck:
    data: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    def bad(self, column: str, expected: str) -> None:
        self.problems.append(
            make_problem(
                "invalid_manifest_field",
                file=MANIFEST,
                column=column,
                value=self.data.get(column, ""),
                expected=expected,
            )
        )


def _manifest_from(data: dict[str, Any], *, municipality_code: str) -> Manifest:
    check = _ManifestCheck(data)
    if data.get("format") != "ward-package":
        check.bad("format", '"ward-package"')
    if data.get("version") != 1:
        check.bad("version", "1")
    if data.get("direction") != "ward-to-center":
        check.bad("direction", '"ward-to-center"')
    if str(data.get("municipality_code", "")) != municipality_code:
        check.problems.append(
            make_problem(
                "wrong_municipality",
                file=MANIFEST,
                column="municipality_code",
                value=data.get("municipality_code", ""),
                expected=municipality_code,
            )
        )
    package_id = data.get("package_id")
    if not isinstance(package_id, str) or not package_id.strip() or len(package_id) > 100:
        check.bad("package_id", "1–100 characters")
        package_id = ""
    kind = data.get("kind")
    if kind not in ("full", "delta"):
        check.bad("kind", '"full" / "delta"')
    extracted_at = None
    try:
        extracted_at = datetime.fromisoformat(str(data.get("extracted_at", "")))
        if extracted_at.tzinfo is None:
            raise ValueError
    except ValueError:
        check.bad("extracted_at", "ISO 8601 with offset (2025-02-01T06:00:00+09:00)")
    encoding = ENCODINGS.get(str(data.get("encoding", "")).lower())
    if encoding is None:
        check.bad("encoding", '"utf-8" / "cp932"')
    files = data.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(entry, dict)
        and isinstance(entry.get("rows"), int)
        and entry["rows"] >= 0
        and isinstance(entry.get("sha256"), str)
        for entry in files.values()
    ):
        check.bad("files", '{"name.csv": {"rows": N, "sha256": "…"}}')
        files = {}
    if check.problems:
        raise PackageRejected(check.problems)
    # Each was checked above; a missing or bad one is a problem, raised just now.
    assert isinstance(kind, str) and extracted_at is not None and encoding is not None
    return Manifest(
        package_id=package_id.strip(),
        kind=kind,
        extracted_at=extracted_at,
        encoding=encoding,
        files=files,
    )


__all__ = [
    "MANIFEST",
    "EntryProblem",
    "Limits",
    "Manifest",
    "PackageReader",
    "PackageRejected",
    "unsafe_name",
]

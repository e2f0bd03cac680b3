"""Writes a package (ZIP with manifest.json and CSV files) as the spec describes.

Used by the demo generator, the tests and the center-to-ward export alike, so that
every package in the system is made one way. The files of a ward package are written
through their FileSpec (`package_file`): the header is the spec's, a row names its
cells by column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyzipper

from saikoku.interchange.spec import FileSpec

# Spreadsheet programs run a cell that starts with one of these as a formula (spec §4).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """Protects a text cell against formula injection when the ward opens it in Excel."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    line_end: str = "\r\n",
    neutralise: bool = False,
) -> tuple[bytes, int]:
    """One CSV file's bytes and its data row count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(header)
    count = 0
    for row in rows:
        values = [row.get(name, "") for name in header] if isinstance(row, Mapping) else row
        cells = ["" if v is None else str(v) for v in values]
        if neutralise:
            cells = [neutralise_formula(c) for c in cells]
        writer.writerow(cells)
        count += 1
    text = buffer.getvalue()
    data = text.encode(encoding)
    if bom and encoding.replace("-", "").lower() == "utf8":
        data = b"\xef\xbb\xbf" + data
    return data, count


def package_file(
    spec: FileSpec,
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    columns: Sequence[str] | None = None,
    encoding: str = "utf-8",
    bom: bool = False,
    line_end: str = "\r\n",
) -> tuple[bytes, int]:
    """One file of a ward package and its data row count, written through its spec.

    Each row is a mapping by column name (a column not given is empty) or a
    `spec.row(...)`. The header is every column of the spec, or `columns` (a subset,
    written in the spec's order; rows are then mappings). A name the file does not
    have is a ValueError: a misspelt column must not become an unknown one.
    """
    header = spec.names
    if columns is not None:
        _check_names(spec, columns)
        header = tuple(name for name in spec.names if name in columns)

    def checked(rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> Iterator[Any]:
        for row in rows:
            if isinstance(row, Mapping):
                _check_names(spec, row)
            elif columns is not None:
                raise ValueError(f"{spec.name}: rows for some columns are given by name")
            yield row

    return csv_bytes(header, checked(rows), encoding=encoding, bom=bom, line_end=line_end)


def _check_names(spec: FileSpec, names: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(spec.names))
    if unknown:
        raise ValueError(f"{spec.name} has no column {', '.join(unknown)}")


def build_manifest(
    *,
    package_id: str,
    files: Mapping[str, tuple[bytes, int]],
    kind: str = "full",
    encoding: str = "utf-8",
    direction: str = "ward-to-center",
    municipality_code: str = "131041",
    extracted_at: datetime,
) -> dict[str, Any]:
    return {
        "format": "ward-package",
        "version": 1,
        "direction": direction,
        "municipality_code": municipality_code,
        "package_id": package_id,
        "kind": kind,
        "extracted_at": extracted_at.isoformat(timespec="seconds"),
        "encoding": encoding,
        "files": {
            name: {"rows": rows, "sha256": hashlib.sha256(data).hexdigest()}
            for name, (data, rows) in sorted(files.items())
        },
    }


def write_zip(
    path: Path,
    members: Mapping[str, bytes],
    *,
    password: str | None = None,
    stamp: datetime | None = None,
) -> str:
    """Writes the members into a ZIP (AES-256, WinZip AE-2, when a password is given)
    and returns the SHA-256 of the ZIP file.

    Every entry carries `stamp` (default 1980-01-01, the ZIP epoch) rather than the
    clock, so the same content always gives the same bytes and the same SHA-256 in the
    custody ledger. (AES adds a random salt: encrypted packages never repeat.)
    """
    date_time = stamp.timetuple()[:6] if stamp else (1980, 1, 1, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    if password:
        with pyzipper.AESZipFile(
            path, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as archive:
            archive.setpassword(password.encode("utf-8"))
            archive.setencryption(pyzipper.WZ_AES, nbits=256)
            for name, data in members.items():
                # AESZipFile only accepts its own AESZipInfo (it carries the AES header).
                archive.writestr(_entry(name, date_time, archive.zipinfo_cls), data)
    else:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(_entry(name, date_time, zipfile.ZipInfo), data)
    return file_sha256(path)


def _entry(name: str, date_time: tuple[int, ...], info_class: type) -> zipfile.ZipInfo:
    info = info_class(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def write_package(
    path: Path,
    *,
    manifest: Mapping[str, Any],
    files: Mapping[str, tuple[bytes, int]],
    password: str | None = None,
) -> str:
    """Writes manifest.json and the files; returns the package's SHA-256."""
    members = {"manifest.json": json.dumps(manifest, ensure_ascii=False, indent=2).encode()}
    members.update({name: data for name, (data, _rows) in files.items()})
    stamp = datetime.fromisoformat(manifest["extracted_at"]) if "extracted_at" in manifest else None
    return write_zip(path, members, password=password, stamp=stamp)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


__all__ = [
    "build_manifest",
    "csv_bytes",
    "file_sha256",
    "neutralise_formula",
    "package_file",
    "write_package",
    "write_zip",
]

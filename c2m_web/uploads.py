"""Uploaded export files: refused when unsafe, kept by checksum between dry run and import.

An upload is streamed to disk with its SHA-256 and size counted as it arrives, then checked
before any import code sees it: a name with a path in it (``../``, ``/``, ``\\``) or a NUL
or control character, a type other than CSV/TXT/TSV/XLSX, a binary file, a zip that is not
a workbook, and a workbook that would unpack to far more than it weighs (a zip bomb) are
refused with one sentence. A file that passes is kept as ``<upload dir>/<sha256>/<name>``:
the dry run reads it there, and the import later finds it by the same checksum and
re-hashes it first, so it commits exactly the bytes the dry run counted, or nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
MAX_NAME = 200
MAX_UNPACKED = 1 << 30  # a workbook unpacking past 1 GiB is not a live room's day
MAX_RATIO = 100  # xlsx compresses ~5-20x; a bomb compresses 1000x
_BLOCK = 1 << 20
_SHA = re.compile(r"^[0-9a-f]{64}$")


class UploadRefused(Exception):
    """The file is not accepted; ``message`` says why in one sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StoredUpload:
    """A checked file waiting in the upload folder."""

    name: str
    sha256: str
    size: int
    path: Path


def check_name(name: str | None) -> str:
    """The browser's file name, if it names a file and nothing else."""
    if not name:
        raise UploadRefused("a file without a name was sent")
    if "\x00" in name or any(unicodedata.category(c) == "Cc" for c in name):
        raise UploadRefused("the file name holds a NUL or control character")
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
        raise UploadRefused(f"the file name {name!r} holds a path; send the file itself")
    if len(name) > MAX_NAME:
        raise UploadRefused(f"the file name is longer than {MAX_NAME} characters")
    if not name.lower().endswith(SUFFIXES):
        raise UploadRefused(
            f"{name!r} is not a CSV or .xlsx export (accepted: {', '.join(SUFFIXES)})"
        )
    return name


def check_sha(value: str) -> str:
    if not _SHA.match(value or ""):
        raise UploadRefused("the upload reference is not a SHA-256 checksum")
    return value


def receive(source: BinaryIO, name: str, root: Path, limit: int) -> StoredUpload:
    """Stream ``source`` into the upload folder, check it, and keep it under its checksum."""
    name = check_name(name)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = hashlib.sha256()
    size = 0
    handle, partial = tempfile.mkstemp(dir=root, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            while block := source.read(_BLOCK):
                size += len(block)
                if size > limit:
                    raise UploadRefused(
                        f"{name} is larger than the upload limit of {limit / 2**20:.3g} MB"
                    )
                digest.update(block)
                out.write(block)
        check_content(Path(partial), name)
        sha = digest.hexdigest()
        folder = root / sha
        folder.mkdir(exist_ok=True, mode=0o700)
        final = folder / name
        os.replace(partial, final)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return StoredUpload(name=name, sha256=sha, size=size, path=final)


def check_content(path: Path, name: str) -> None:
    """Refuse binaries, archives and zip bombs before any import code opens the file."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    workbook_name = name.lower().endswith(".xlsx")
    if head.startswith(b"PK\x03\x04"):
        if not workbook_name:
            raise UploadRefused(f"{name} is a zip archive, not a CSV export")
        _check_workbook(path, name)
        return
    if workbook_name:
        raise UploadRefused(f"{name} is not an .xlsx workbook (it is not a zip file)")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadRefused(f"{name} is an old Excel .xls workbook: save it as .xlsx or CSV")
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh")):
        raise UploadRefused(f"{name} is a compressed archive, not a CSV export")
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in head and not utf16:
        raise UploadRefused(f"{name} is a binary file, not a CSV export")


def _check_workbook(path: Path, name: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise UploadRefused(f"{name} is a damaged .xlsx workbook") from None
    if not any(m.filename == "xl/workbook.xml" for m in members):
        raise UploadRefused(f"{name} is a zip archive, not an .xlsx workbook")
    unpacked = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * packed:
        raise UploadRefused(
            f"{name} would unpack to {unpacked / 2**20:,.0f} MB from {packed / 2**20:,.1f} MB "
            "(a zip bomb?); save the sheet as CSV instead"
        )


def find(root: Path, sha256: str, name: str) -> Path:
    """The kept file for an import, re-hashed: it must still be the bytes the dry run read."""
    path = root / check_sha(sha256) / check_name(name)
    if not path.is_file():
        raise UploadRefused(
            f"{name} is no longer waiting to be imported (already imported, or the server "
            "restarted): upload it again"
        )
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    if digest.hexdigest() != sha256:
        raise UploadRefused(f"{name} changed since the dry run; nothing was imported")
    return path


def prune(root: Path, max_age_seconds: float = 24 * 3600) -> None:
    """Drop dry-run files nobody imported within a day (and half-received ones)."""
    if not root.is_dir():
        return
    oldest = time.time() - max_age_seconds
    for entry in root.iterdir():
        try:
            if entry.stat().st_mtime < oldest:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
        except OSError:  # another request removed it first
            continue


def forget(root: Path, sha256: str) -> None:
    """Drop a kept file once it is imported."""
    shutil.rmtree(root / check_sha(sha256), ignore_errors=True)

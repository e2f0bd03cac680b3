"""Encrypted backups of the database and the stored files, and their restore
(`saikoku backup OUT`, `saikoku restore IN`; docs/security/backup.md).

A backup is one file: a header, then AES-256-GCM records under a key derived from
settings.BACKUP_KEY; record 0 is the manifest (engine, migrations, row counts, the
audit chain's head), the rest the payload, a tar of a consistent snapshot of the
database and of the encrypted stored files. Neither the master key nor any other key
of the installation is in it. A restore checks the whole archive before it touches
anything, restores into an empty target only, and proves the row counts and the audit
chain against the manifest.

The package, by what each module holds:

- `archive.py`: the file's format, its key and fingerprints (`write_archive`,
  `read_archive`);
- `snapshot.py`: consistent snapshots of SQLite and PostgreSQL, and the engine helpers
  the restore shares;
- `create.py`: `backup_create`, from the snapshot to the ledger and audit entries;
- `restore.py`: `backup_restore` and `target_problem`;
- `exceptions.py`: `BackupError`, with its stable codes.

Import from `saikoku.privacy.backup`; the modules are its parts.
"""

from saikoku.privacy.backup.archive import (
    CHUNK_BYTES,
    FINGERPRINT_BYTES,
    HEADER_BYTES,
    MAGIC,
    MAX_RECORD_BYTES,
    MIN_KEY_CHARS,
    PREFIX_BYTES,
    SALT_BYTES,
    TAG_BYTES,
    VERSION,
    audit_key_fingerprint,
    backup_key_fingerprint,
    read_archive,
    write_archive,
)
from saikoku.privacy.backup.create import BackupResult, backup_create
from saikoku.privacy.backup.exceptions import BackupError
from saikoku.privacy.backup.restore import (
    MIGRATE_TABLES,
    RestoreResult,
    backup_restore,
    target_problem,
)
from saikoku.privacy.backup.snapshot import (
    DATABASE_MEMBER,
    FILES_MEMBER,
    LIBPQ_ENV,
    libpq_params,
)

__all__ = [
    "CHUNK_BYTES",
    "DATABASE_MEMBER",
    "FILES_MEMBER",
    "FINGERPRINT_BYTES",
    "HEADER_BYTES",
    "LIBPQ_ENV",
    "MAGIC",
    "MAX_RECORD_BYTES",
    "MIGRATE_TABLES",
    "MIN_KEY_CHARS",
    "PREFIX_BYTES",
    "SALT_BYTES",
    "TAG_BYTES",
    "VERSION",
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "audit_key_fingerprint",
    "backup_create",
    "backup_key_fingerprint",
    "backup_restore",
    "libpq_params",
    "read_archive",
    "target_problem",
    "write_archive",
]

"""Backups: a pg_dump of the database, the layer files beside it, a manifest with checksums.

A backup is a folder::

    manifest.json     what is inside, with SHA-256 of every file, row counts per table and the
                      SHA-256 of every mandate upload (mandates are kept in PostgreSQL)
    database.dump     pg_dump custom format (-Fc)
    files/NNNN        the layer files: rasters of every layer version and the layers folder

The row counts and mandate checksums are read in the very snapshot pg_dump dumps
(``pg_export_snapshot``), so they describe the dump exactly even while the service runs. The
folder is written as ``PATH.partial`` and renamed at the end: a full disk or a failure leaves no
folder that looks like a backup. ``restore`` checks every checksum before it touches anything,
restores into an empty database in one transaction, puts the layer files back where they were,
then compares row counts and mandate checksums with the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

from geoservice import __version__
from geoservice.db.engine import libpq_environment
from geoservice.errors import Conflict, GeoserviceError, ValidationFailed

FORMAT = 1
DUMP = "database.dump"
MANIFEST = "manifest.json"

_TABLES_SQL = text("""
SELECT n.nspname AS schema, c.relname AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
""")


class BackupFailed(GeoserviceError):
    status, code = 500, "backup_failed"
    default_message = "The backup could not be written."


@dataclass(frozen=True)
class RestoreReport:
    tables: int
    rows: int
    files_written: int
    files_present: int
    mandates: int


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tool(name: str, conn: Connection) -> str:
    """pg_dump/pg_restore of the server's major version when installed, else the one on PATH."""
    major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    versioned = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    found = str(versioned) if versioned.exists() else shutil.which(name)
    if not found:
        raise BackupFailed(f"{name} is not installed (Debian package postgresql-client-{major}).")
    return found


def row_counts(conn: Connection) -> dict[str, int]:
    counts = {}
    for schema, name in conn.execute(_TABLES_SQL):
        qualified = f'"{schema}"."{name}"'
        counts[f"{schema}.{name}"] = int(
            conn.execute(text(f"SELECT count(*) FROM {qualified}")).scalar_one())
    return counts


def mandate_checksums(conn: Connection) -> dict[str, str]:
    """SHA-256 of every uploaded mandate's bytes, computed by PostgreSQL, by mandate id."""
    return {str(i): str(h) for i, h in conn.execute(text(
        "SELECT id, encode(sha256(content), 'hex') FROM mandates ORDER BY id"))}


def _layer_files(conn: Connection, layers_dir: Path) -> list[Path]:
    paths = {Path(p) for (p,) in conn.execute(text(
        "SELECT DISTINCT raster_path FROM layer_versions WHERE raster_path IS NOT NULL"))}
    if layers_dir.is_dir():
        paths |= {p for p in layers_dir.rglob("*") if p.is_file()}
    return sorted(p.resolve() for p in paths)


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupFailed(f"{what} failed: {lines[-1] if lines else done.returncode}",
                           log_detail=done.stderr)


def backup(engine: Engine, target: Path, layers_dir: Path) -> dict[str, Any]:
    """Write a backup folder at ``target`` (which must not exist); returns the manifest."""
    if target.exists():
        raise Conflict(f"{target} already exists; name a new folder for the backup.",
                       code="backup_exists")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "files").mkdir(parents=True)
    try:
        manifest = _write(engine, partial, layers_dir)
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        os.replace(partial, target)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupFailed(f"The backup could not be written to {target}: {exc.strerror}; "
                           "nothing was left behind.") from exc
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _write(engine: Engine, folder: Path, layers_dir: Path) -> dict[str, Any]:
    snapshot_engine = engine.execution_options(isolation_level="REPEATABLE READ",
                                               postgresql_readonly=True)
    with snapshot_engine.connect() as conn, conn.begin():
        snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
        env = os.environ | libpq_environment(engine.url)
        _run([_tool("pg_dump", conn), "-Fc", "--snapshot", snapshot, "-f",
              str(folder / DUMP)], env, "pg_dump")
        counts = row_counts(conn)
        mandates = mandate_checksums(conn)
        server = str(conn.execute(text("SHOW server_version")).scalar_one())
        schema = conn.execute(text("SELECT max(version) FROM schema_migrations")).scalar()
        layer_files = _layer_files(conn, layers_dir)
    files = []
    for n, path in enumerate(layer_files):
        name = f"files/{n:04d}"
        shutil.copy2(path, folder / name)
        files.append({"name": name, "path": str(path), "size": path.stat().st_size,
                      "sha256": sha256_file(folder / name)})
    return {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "geoservice_version": __version__,
        "postgresql_version": server,
        "schema_version": schema,
        "database": {"file": DUMP, "size": (folder / DUMP).stat().st_size,
                     "sha256": sha256_file(folder / DUMP)},
        "row_counts": counts,
        "mandates": mandates,
        "files": files,
    }


def read_manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    if not path.is_file():
        raise ValidationFailed(f"{source} is not a backup: it has no {MANIFEST}.",
                               code="backup_invalid")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except ValueError as exc:
        raise ValidationFailed(f"{path} is not valid JSON: {exc}", code="backup_invalid") from None
    if manifest.get("format") != FORMAT:
        raise ValidationFailed(f"{path} has format {manifest.get('format')!r}; this version "
                               f"reads format {FORMAT}.", code="backup_invalid")
    return manifest


def verify(source: Path, manifest: dict[str, Any]) -> None:
    """Every file of the backup is there with its recorded checksum."""
    entries = [(manifest["database"]["file"], manifest["database"]["sha256"])]
    entries += [(f["name"], f["sha256"]) for f in manifest["files"]]
    bad = [name for name, digest in entries
           if not (source / name).is_file() or sha256_file(source / name) != digest]
    if bad:
        raise ValidationFailed(f"The backup is damaged: {', '.join(bad)} missing or changed "
                               "since it was written. Nothing was restored.",
                               code="backup_damaged", details=[{"files": bad}])


def _restore_list(pg_restore: str, dump: Path, installed: set[str], env: dict[str, str]) -> str:
    """pg_restore's table of contents without the extensions the target already has."""
    listing = subprocess.run([pg_restore, "-l", str(dump)], env=env, capture_output=True,
                             text=True, check=True).stdout
    skip = re.compile(r"\b(EXTENSION - |COMMENT - EXTENSION )(" +
                      "|".join(map(re.escape, installed)) + r")\b") if installed else None
    return "".join(line + "\n" for line in listing.splitlines()
                   if not (skip and skip.search(line)))


def restore(engine: Engine, source: Path) -> RestoreReport:
    """Restore the backup at ``source`` into the (empty) database of ``engine``."""
    manifest = read_manifest(source)
    verify(source, manifest)
    present = 0
    for entry in manifest["files"]:
        path = Path(entry["path"])
        if path.exists():
            if sha256_file(path) != entry["sha256"]:
                raise Conflict(f"{path} exists with other content than the backup's copy; move "
                               "it away first. Nothing was restored.", code="restore_file_exists")
            present += 1
    with engine.connect() as conn:
        tables = conn.execute(_TABLES_SQL).all()
        if tables:
            names = ", ".join(f"{s}.{n}" for s, n in tables[:5])
            raise Conflict(f"Restore needs an empty database; {engine.url.database} already has "
                           f"{len(tables)} tables ({names}…). Nothing was restored.",
                           code="restore_target_not_empty")
        installed = {str(n) for (n,) in conn.execute(text(
            "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'"))}
        pg_restore = _tool("pg_restore", conn)
    env = os.environ | libpq_environment(engine.url)
    dump = source / manifest["database"]["file"]
    with tempfile.NamedTemporaryFile("w", suffix=".list") as listing:
        listing.write(_restore_list(pg_restore, dump, installed, env))
        listing.flush()
        _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", "-L", listing.name, "-d", env["PGDATABASE"], str(dump)],
             env, "pg_restore")
    written = 0
    for entry in manifest["files"]:
        path = Path(entry["path"])
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".restoring")
        shutil.copy2(source / entry["name"], tmp)
        os.replace(tmp, path)
        written += 1
    with engine.connect() as conn:
        counts = row_counts(conn)
        mandates = mandate_checksums(conn)
    if counts != manifest["row_counts"] or mandates != manifest["mandates"]:
        differ = sorted(k for k in set(counts) | set(manifest["row_counts"])
                        if counts.get(k) != manifest["row_counts"].get(k))
        what = ", ".join(differ) if differ else "mandate checksums"
        raise BackupFailed(f"The restored database differs from the manifest in {what}.",
                           code="restore_mismatch")
    return RestoreReport(len(counts), sum(counts.values()), written, present, len(mandates))

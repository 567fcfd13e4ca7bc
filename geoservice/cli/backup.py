"""``geoservice backup PATH`` and ``geoservice restore PATH`` (see geoservice/db/backup.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from geoservice.cli.common import engine, settings
from geoservice.db import backup as backups


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    make = subparsers.add_parser(
        "backup", help="write a backup folder: pg_dump -Fc, layer files, manifest with checksums")
    make.add_argument("path", type=Path, help="a folder that does not exist yet")
    make.set_defaults(func=_backup)
    back = subparsers.add_parser(
        "restore", help="restore a backup folder into the configured, empty database")
    back.add_argument("path", type=Path, help="a folder written by `geoservice backup`")
    back.set_defaults(func=_restore)


def _backup(args: argparse.Namespace) -> int:
    eng = engine()
    try:
        manifest = backups.backup(eng, args.path, Path(settings().check.layers_dir))
    finally:
        eng.dispose()
    rows = sum(manifest["row_counts"].values())
    print(f"backup written to {args.path}: {len(manifest['row_counts'])} tables, {rows} rows, "
          f"{len(manifest['files'])} layer files, {len(manifest['mandates'])} mandates "
          f"(database.dump {manifest['database']['size']} bytes)")
    return 0


def _restore(args: argparse.Namespace) -> int:
    eng = engine()
    try:
        report = backups.restore(eng, args.path)
    finally:
        eng.dispose()
    print(f"restored {args.path}: {report.tables} tables, {report.rows} rows (counts match the "
          f"manifest), {report.mandates} mandate checksums match, {report.files_written} layer "
          f"files written, {report.files_present} already in place")
    return 0

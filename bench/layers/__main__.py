"""``python -m bench.layers [--scale S]``: national layers fetched from their sources, in one run.

1. A synthetic national layer of 1 200 000 LAD-like field blocks served as WFS 2.0 pages of
   10 000 (pre-rendered like the real LAD answer, served by nginx), harvested by
   ``geoservice layers fetch wfs`` as a child process: wall time, peak RSS, bytes served.
2. A GFC2020-like 10 m forest tile N60 E20 (COG, sparse outside Latvia) on the same nginx,
   clipped to Latvia by ``geoservice layers fetch raster``: wall time, peak RSS, bytes read by
   HTTP range requests against the file size.
3. 100 000 certificates (one felling area each, in forest, a fifth on block edges) loaded, then
   ``bench.checks``' batch check (its worker functions) on 15 000 of them spread over the
   country, with the national layers loaded (areas/s; ``--check-areas`` changes the count).
4. Version 2 of the blocks (1 % changed) fetched: the re-check line the fetch prints; then the
   same version again, which must say "unchanged" and make no new version.

``--scale 0.05`` takes 7 of the 135 national tiles (same density and calibration), their share
of the certificates and of the raster's pixels: a quick run for development. Inputs are cached
under ``bench/out/layers/``; ``results.json`` is written only by a full-scale run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, text

from bench.checks import loading
from bench.checks import synthetic as checks_synthetic
from bench.checks.__main__ import timed_batches
from bench.layers import data, server, synthetic
from geoservice.db.disposable import disposable_database
from geoservice.db.engine import PRIVATE_CLUSTER_URL_FILE
from geoservice.settings import ROOT

HERE = Path(__file__).parent
GEOSERVICE = ROOT / ".venv" / "bin" / "geoservice"
TIME = "/usr/bin/time"  # GNU time (Debian package time)
BLOCKS_TITLE = "LAD field blocks (bench)"
FOREST_TITLE = "Forest 2020 (bench)"
RECHECK = re.compile(r"re-check: (\d+) certificates re-checked of (\d+) affected in ([\d.?]+) s")
TARGETS = {"harvest_s": 600, "harvest_rss_mib": 2048, "raster_s": 300, "raster_rss_mib": 2048,
           "recheck_s": 60, "batch_areas_per_s": 1000}


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def _tree_rss_kib(root: int) -> int:
    """Resident memory of ``root`` and all its descendants now (kiB), from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


def run_measured(name: str, args: list[str], env: dict[str, str], logs: Path,
                 timeout_s: float | None = None) -> dict[str, Any]:
    """Run the product CLI as a child: wall time, its peak RSS (GNU time), the process tree's
    sampled peak RSS, exit code and output (kept in ``logs/<name>.log``)."""
    log_path = logs / f"{name}.log"
    rusage_path = logs / f"{name}.time"
    rusage_path.unlink(missing_ok=True)
    _say(f"{name}: {' '.join(args)}")
    load_before = os.getloadavg()
    peak = [0]
    with log_path.open("wb") as log:
        started = time.perf_counter()
        # GNU time forks the CLI from its own small process: the CLI's peak RSS is then its
        # own, not this (large) process's image that a fork from here would count until exec.
        timer = [TIME, "-f", "%M %U %S", "-o", str(rusage_path)] if Path(TIME).exists() else []
        proc = subprocess.Popen([*timer, str(GEOSERVICE), *args], env=env, stdout=log,
                                stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.5):
                peak[0] = max(peak[0], _tree_rss_kib(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timed_out = False
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True  # stop what this run started, by its process group
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
        wall = time.perf_counter() - started
        stop.set()
        sampler.join()
    times = rusage_path.read_text().split() if rusage_path.exists() else []
    # GNU time writes nothing when it is killed or missing: no peak then (the sampled one stays)
    max_rss_kib, user_s, sys_s = times[-3:] if len(times) >= 3 else (None, None, None)
    peak_mib = None if max_rss_kib is None else round(int(max_rss_kib) / 1024, 1)
    output = log_path.read_text(errors="replace")
    lines = [ln.strip() for ln in re.split(r"[\r\n]+", output) if ln.strip()]
    shown = [ln for ln in lines if not _is_progress(ln)][-8:]
    result: dict[str, Any] = {"command": "geoservice " + " ".join(args), "exit": proc.returncode,
              "timed_out_after_s": timeout_s if timed_out else None,
              "wall_s": round(wall, 2), "peak_rss_mib": peak_mib,
              "user_s": None if user_s is None else float(user_s),
              "sys_s": None if sys_s is None else float(sys_s),
              "tree_rss_sampled_peak_mib": round(peak[0] / 1024, 1),
              "load_average_before": load_before, "load_average_after": os.getloadavg(),
              "log": str(log_path),
              "last_lines": shown}
    _say(f"{name}: exit {proc.returncode}, {wall:.1f} s, peak RSS "
         f"{result['peak_rss_mib']} MiB; {' | '.join(shown[-3:])}")
    return result


def _is_progress(line: str) -> bool:
    return bool(re.search(r"\d+%\|", line) or re.search(r"it/s\]$|/s\]$", line))


def layer_state(engine: Engine, title: str) -> dict[str, Any]:
    with engine.connect() as conn:
        layer = conn.execute(text("SELECT id, current_version FROM layers WHERE title = :t"),
                             {"t": title}).one_or_none()
        if layer is None:
            return {"registered": False}
        versions = [dict(r._mapping) for r in conn.execute(text(
            "SELECT version, state, feature_count, raster_path, raster_width, raster_height, "
            "content_hash FROM layer_versions WHERE layer_id = :l ORDER BY version"),
            {"l": layer.id})]
        parts = conn.execute(text(
            "SELECT count(*) FROM layer_parts WHERE layer_id = :l AND version = :v"),
            {"l": layer.id, "v": layer.current_version}).scalar_one()
        fetches = [dict(r._mapping) for r in conn.execute(text(
            "SELECT outcome, features, message FROM layer_fetches WHERE layer_title = :t "
            "ORDER BY id"), {"t": title})]
    return {"registered": True, "id": layer.id, "current_version": layer.current_version,
            "versions": versions, "parts": int(parts), "fetches": fetches}


def load_certificates(engine: Engine, folder: Path, chosen: list[synthetic.Tile],
                      ) -> dict[str, Any]:
    """The felling areas (one per certificate) and, at bench.checks' density, permits and
    protected areas, through the same loading code as bench.checks."""
    started = time.perf_counter()
    geoms = data.load_felling_areas(folder)
    wanted = round(synthetic.CERTIFICATES * sum(t.blocks for t in chosen) / synthetic.BLOCKS)
    if len(geoms) < wanted:  # areas outside the raster's box were left out: top up in the middle
        middle = chosen[len(chosen) // 2]
        extra = synthetic.felling_areas(middle, wanted - len(geoms),
                                        synthetic.tile_blocks(middle).v1, seed=synthetic.SEED + 1)
        geoms = np.concatenate([geoms, extra])
    loading.felling_areas(engine, geoms, per_certificate=1)
    loaded = time.perf_counter()
    rng = np.random.default_rng(synthetic.SEED)
    n_permits, n_protected = 180 * len(chosen), 27 * len(chosen)  # 2 000 and 300 per 10 000 km²
    permits = checks_synthetic.stars(_points(chosen, n_permits, rng),
                                     rng.uniform(30, 150, n_permits), 24, rng)
    protected = checks_synthetic.stars(_points(chosen, n_protected, rng),
                                       rng.uniform(200, 2000, n_protected), 256, rng)
    small = {
        "permits": loading.vector_layer(engine, "Synthetic permits", "deforestation_permit",
                                        [permits], attrs={"purpose": "agriculture"}),
        "protected": loading.vector_layer(engine, "Synthetic protected areas",
                                          "protected_area", [protected]),
    }
    return {"certificates": len(geoms), "felling_areas": len(geoms),
            "load_s": round(loaded - started, 1), **small}


def _points(chosen: list[synthetic.Tile], n: int, rng: np.random.Generator) -> Any:
    which = rng.integers(0, len(chosen), n)
    x0 = np.array([t.x0 for t in chosen])[which]
    y0 = np.array([t.y0 for t in chosen])[which]
    return np.c_[x0 + rng.uniform(0, synthetic.TILE, n), y0 + rng.uniform(0, synthetic.TILE, n)]


def batch_check(url: str, engine: Engine, workers: int, n: int) -> dict[str, Any]:
    """bench.checks' batch measurement (its worker functions) on ``n`` certificates spread over
    the country: batches of 250, one transaction each, ``workers`` processes."""

    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text(
            "SELECT id::text FROM certificates ORDER BY md5(id::text) LIMIT :n"), {"n": n})]
        areas = conn.execute(text(
            "SELECT count(*) FROM felling_areas WHERE certificate_id = ANY(CAST(:ids AS uuid[]))"),
            {"ids": ids}).scalar_one()
    checked, seconds = timed_batches(url, ids, workers)
    return {"certificates": checked, "areas": int(areas), "seconds": round(seconds, 2),
            "areas_per_s": round(areas / seconds, 1), "workers": workers,
            "load_average_after": os.getloadavg()}


def _save(results: dict[str, Any], scale: float, complete: bool) -> None:
    """After every step of a full-scale run, so an interrupted run keeps what it measured."""
    if scale == 1.0:
        results["complete"] = complete
        (HERE / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.layers")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2, help="processes of the batch check")
    parser.add_argument("--check-areas", type=int, default=15_000,
                        help="felling areas in the batch check (bench.checks checks 15 000)")
    parser.add_argument("--until", type=datetime.fromisoformat,
                        help="UTC time (ISO) after which no further fetch is started when the "
                        "first harvest's duration would pass it (shared machine, long runs)")
    args = parser.parse_args(argv)
    if not GEOSERVICE.exists():
        print(f"{GEOSERVICE} is missing: run `make test` (or create the venv) first")
        return 2
    results: dict[str, Any] = {"scale": args.scale, "cpus": os.cpu_count(),
                               "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                               "uptime_at_start": _uptime(),
                               "load_average_at_start": os.getloadavg()}
    chosen = synthetic.tiles(args.scale)
    _say(f"inputs: {len(chosen)} tiles of 30 km (cached under {data.OUT.relative_to(ROOT)})")
    started = time.perf_counter()
    folder = data.blocks_and_areas(args.scale)
    results["blocks"] = json.loads((folder / "complete.json").read_text())
    results["blocks"]["ready_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    raster, made = data.forest_raster(args.scale)
    results["raster_file"] = {**made, "ready_s": round(time.perf_counter() - started, 1)}
    _say(f"inputs ready: {results['blocks']['v1_features']} blocks in "
         f"{results['blocks']['v1_bytes'] / 2**30:.2f} GiB of pages; raster "
         f"{made['bytes'] / 2**20:.0f} MiB")
    logs = data.OUT / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    admin = PRIVATE_CLUSTER_URL_FILE.read_text().strip()
    with tempfile.TemporaryDirectory(prefix="layers-", dir=data.OUT) as layers_dir, \
            disposable_database(admin, "geoservice_bench_layers", pool_size=4) as (url, engine), \
            server.nginx(data.OUT, raster, folder / "v1", data.PAGE_SIZE) as web:
        # the batch check's worker processes read the same settings as the CLI's children
        os.environ["GEOSERVICE_CHECK_LAYERS_DIR"] = layers_dir
        env = {**os.environ, "GEOSERVICE_DATABASE_URL": url}
        wfs_args = ["layers", "fetch", "wfs", web.wfs_url, "--type-name", "LAD:lauku_bloki",
                    "--role", "agriculture", "--title", BLOCKS_TITLE, "--crs", "EPSG:3059",
                    "--page-size", str(data.PAGE_SIZE)]
        mark = web.log_mark()
        results["harvest"] = run_measured("harvest_v1", wfs_args, env, logs,
                                          timeout_s=_budget(args.until))
        results["harvest"]["served"] = web.transfers(mark).get("wfs")
        results["harvest"]["layer"] = layer_state(engine, BLOCKS_TITLE)
        _say(f"harvest layer: {_brief(results['harvest']['layer'])}")
        _save(results, args.scale, complete=False)

        mark = web.log_mark()
        results["raster"] = run_measured("raster", [
            "layers", "fetch", "raster", web.raster_url(raster.name), "--role", "forest_2020",
            "--title", FOREST_TITLE, "--clip", "latvia"], env, logs, timeout_s=_budget(args.until))
        served = web.transfers(mark).get("raster", {})
        results["raster"]["served"] = served
        results["raster"]["file_bytes"] = raster.stat().st_size
        results["raster"]["read_share_of_file"] = (served.get("bytes", 0)
                                                   / raster.stat().st_size)
        results["raster"]["layer"] = layer_state(engine, FOREST_TITLE)
        _say(f"raster: {served.get('bytes', 0) / 2**20:.1f} MiB read of "
             f"{raster.stat().st_size / 2**20:.1f} MiB in {served.get('requests', 0)} requests")
        _save(results, args.scale, complete=False)

        _say("certificates …")
        results["certificates"] = load_certificates(engine, folder, chosen)
        _say(f"certificates: {results['certificates']}")
        _say("batch check (bench.checks' batch_check) …")
        results["batch"] = batch_check(url, engine, args.workers, args.check_areas)
        _say(f"batch: {results['batch']}")
        _save(results, args.scale, complete=False)

        if _skip_if_late(args, results, "new_version", results["harvest"]["wall_s"],
                         "version 2"):
            return 1
        web.serve_pages(folder / "v2")
        mark = web.log_mark()
        results["new_version"] = run_measured("harvest_v2", wfs_args, env, logs,
                                               timeout_s=_budget(args.until))
        results["new_version"]["served"] = web.transfers(mark).get("wfs")
        results["new_version"]["layer"] = layer_state(engine, BLOCKS_TITLE)
        results["new_version"]["recheck"] = _recheck(engine, logs / "harvest_v2.log")
        _say(f"re-check: {results['new_version']['recheck']}")
        _save(results, args.scale, complete=False)

        if _skip_if_late(args, results, "unchanged", results["new_version"]["wall_s"],
                         "third fetch"):
            return 1
        mark = web.log_mark()
        results["unchanged"] = run_measured("harvest_v2_again", wfs_args, env, logs,
                                            timeout_s=_budget(args.until))
        results["unchanged"]["served"] = web.transfers(mark).get("wfs")
        after = layer_state(engine, BLOCKS_TITLE)
        results["unchanged"]["layer"] = after
        text_out = (logs / "harvest_v2_again.log").read_text(errors="replace")
        results["unchanged"]["says_unchanged"] = "unchanged" in text_out.lower()
        results["unchanged"]["new_version_made"] = (
            after.get("current_version") != results["new_version"]["layer"].get(
                "current_version") or _ready(after) != _ready(results["new_version"]["layer"]))
    results["uptime_at_end"] = _uptime()
    results["load_average_at_end"] = os.getloadavg()
    results["targets"] = _verdicts(results)
    print(json.dumps(results, indent=2, default=str))
    _save(results, args.scale, complete=True)  # a quick try does not replace the record
    return 0


def _ready(layer: dict[str, Any]) -> int:
    """Versions complete (a 'harvesting' one left by a stopped fetch is never current)."""
    return sum(1 for v in layer.get("versions", []) if v.get("state", "ready") == "ready")


def _budget(until: datetime | None) -> float | None:
    if until is None:
        return None
    limit = until if until.tzinfo else until.replace(tzinfo=UTC)
    return max(60.0, limit.timestamp() - datetime.now(UTC).timestamp())


def _skip_if_late(args: argparse.Namespace, results: dict[str, Any], step: str,
                  expected_s: float, what: str) -> bool:
    """Record ``step`` as skipped when it would end after ``--until``; True when skipped."""
    if not _late(args.until, expected_s):
        return False
    results[step] = {"skipped": f"would end after --until {args.until}"}
    results["targets"] = _verdicts(results)
    _save(results, args.scale, complete=False)
    _say(f"{what} skipped (--until)")
    return True


def _late(until: datetime | None, seconds: float) -> bool:
    if until is None:
        return False
    limit = until if until.tzinfo else until.replace(tzinfo=UTC)
    return datetime.now(UTC).timestamp() + seconds > limit.timestamp()


def _brief(layer: dict[str, Any]) -> str:
    if not layer.get("registered"):
        return "not registered"
    current: dict[str, Any] = next(
        (v for v in layer["versions"] if v["version"] == layer["current_version"]), {})
    return (f"{layer['id']} v{layer['current_version']} ({len(layer['versions'])} versions), "
            f"{current.get('feature_count')} features, {layer['parts']} parts")


def _recheck(engine: Engine, log: Path) -> dict[str, Any]:
    """The fetch's ``re-check: …`` line, and the layer_rechecks row it recorded."""
    out: dict[str, Any] = {}
    for line in re.split(r"[\r\n]+", log.read_text(errors="replace")):
        found = RECHECK.search(line)
        if found:
            out.update({"line": line.strip(), "rechecked": int(found[1]),
                        "affected": int(found[2]),
                        "seconds": None if found[3] == "?" else float(found[3])})
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT from_version, to_version, added, removed, affected, rechecked, seconds, "
            "jsonb_array_length(changed) AS verdicts_changed, alerts FROM layer_rechecks "
            "ORDER BY at DESC LIMIT 1")).one_or_none()
        out["recorded"] = dict(row._mapping) if row is not None else None
        out["certificates_in_database"] = conn.execute(text(
            "SELECT count(*) FROM certificates")).scalar_one()
    return out


def _verdicts(r: dict[str, Any]) -> dict[str, Any]:
    def met(value: float | None, limit: float, below: bool = True) -> dict[str, Any]:
        ok = value is not None and (value <= limit if below else value >= limit)
        return {"measured": value, "target": limit, "met": ok}

    recheck = r.get("new_version", {}).get("recheck", {})
    unchanged = r.get("unchanged", {})
    return {
        "harvest_wall_s": met(r["harvest"]["wall_s"], TARGETS["harvest_s"]),
        "harvest_peak_rss_mib": met(r["harvest"]["peak_rss_mib"], TARGETS["harvest_rss_mib"]),
        "raster_wall_s": met(r["raster"]["wall_s"], TARGETS["raster_s"]),
        "raster_peak_rss_mib": met(r["raster"]["peak_rss_mib"], TARGETS["raster_rss_mib"]),
        "recheck_s": met(recheck.get("seconds"), TARGETS["recheck_s"]),
        "batch_areas_per_s": met(r["batch"]["areas_per_s"], TARGETS["batch_areas_per_s"],
                                 below=False),
        "unchanged_detected": (unchanged.get("says_unchanged", False)
                               and not unchanged.get("new_version_made", True)),
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

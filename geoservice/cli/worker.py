"""``geoservice worker``: sends queued statements to TRACES and polls their status."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from types import FrameType

from geoservice import events
from geoservice.cli.common import engine, settings
from geoservice.logs import configure_logging
from geoservice.statements.connect import ClientPool, service_account
from geoservice.statements.worker import Worker

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("worker", help="submit queued statements to TRACES")
    parser.add_argument("--threads", type=int, default=2,
                        help="worker loops in this process (default 2)")
    parser.add_argument("--once", action="store_true",
                        help="handle what is due now, then exit")
    parser.add_argument("--idle", type=float, default=1.0,
                        help="seconds to wait when nothing is due (default 1)")
    parser.add_argument("--lease", type=float, metavar="SECONDS",
                        help="how long a claimed job stays this worker's before another may "
                             "take it over (default: 2 × GEOSERVICE_TRACES_TIMEOUT_SECONDS + 30)")
    parser.add_argument("--heartbeat", metavar="PATH",
                        help="touch PATH every few seconds while every loop is alive "
                             "(for health checks: docker-compose, systemd)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    config = settings()
    configure_logging(config.web.log_level, config.web.log_format)
    events.load_handlers()
    eng = engine(pool_size=max(2, args.threads + 1))
    pool = ClientPool(config)
    account = service_account(config)
    print(f"TRACES at {account.base_url}{' (simulator)' if account.simulated else ''}, "
          f"{args.threads} thread(s)", flush=True)
    if args.lease is not None and args.lease <= 0:
        print("error: --lease must be more than 0 seconds", file=sys.stderr)
        return 1
    if args.once:
        worker = Worker(eng, config, pool, lease_seconds=args.lease)
        try:
            while worker.run_once():
                pass
        finally:
            pool.close()
            eng.dispose()
        return 0
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    # Names unique across hosts and processes: a job's claim (``claimed_by``) must tell a
    # worker that lost it to another process after its lease from one that still holds it.
    prefix = f"{socket.gethostname()}:{os.getpid()}"
    threads = [threading.Thread(target=Worker(eng, config, pool, name=f"{prefix}:worker-{i}",
                                              lease_seconds=args.lease).run,
                                args=(stop, args.idle), name=f"worker-{i}", daemon=True)
               for i in range(max(1, args.threads))]
    for thread in threads:
        thread.start()
    heartbeat = Path(args.heartbeat) if args.heartbeat else None
    while not stop.is_set():
        if heartbeat is not None and all(thread.is_alive() for thread in threads):
            heartbeat.touch()
        stop.wait(1.0)
    for thread in threads:
        thread.join(timeout=60)
    pool.close()
    eng.dispose()
    return 0

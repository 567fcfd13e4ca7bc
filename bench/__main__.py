"""``python -m bench`` (``make bench``): runs every benchmark package in turn.

Each package prints its own figures; they are measured on this machine in that run. Pass area
names to run only some: ``python -m bench certificates checks``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def areas() -> list[str]:
    return sorted(p.parent.name for p in HERE.glob("*/__main__.py"))


def main(argv: list[str]) -> int:
    chosen = argv or areas()
    unknown = set(chosen) - set(areas())
    if unknown:
        print(f"unknown benchmark areas: {', '.join(sorted(unknown))}; have: {', '.join(areas())}")
        return 2
    failed = []
    for area in chosen:
        print(f"\n=== bench.{area} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"bench.{area}"], cwd=HERE.parent)
        print(f"=== bench.{area}: exit {code} after {time.perf_counter() - started:.1f} s ===")
        if code:
            failed.append(area)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

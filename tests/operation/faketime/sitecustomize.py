"""Loaded by the processes tests/operation runs under libfaketime (via PYTHONPATH).

libfaketime 0.9.10 fakes the wall clock only (FAKETIME_DONT_FAKE_MONOTONIC=1: faking the
monotonic clock too makes threading waits hang), and then Python 3.11's ``time.sleep`` fails
with EINVAL: it sleeps with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME), which libfaketime
shifts by the fake offset. A sleep that waits on an event keeps the real monotonic clock.
"""

import threading
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    threading.Event().wait(seconds)


time.sleep = _sleep

"""Named pause points for crash-consistency runs (`scripts/crash_consistency.py`).

`fault_point(name)` does nothing unless the process was started with ABSHER_FAULT_DIR set to a
directory. There, a file `<name>.arm` arms the point once: the first process to reach the point
takes the file (an atomic rename, so one job only), writes `<name>.reached` and sleeps, so the
run can `kill -9` the worker while the job is exactly there. Production never sets the variable."""

from __future__ import annotations

import os
import time
from pathlib import Path

FAULT_DIR_ENV = "ABSHER_FAULT_DIR"
PAUSE_SECONDS = 120.0


def fault_point(name: str) -> None:
    directory = os.environ.get(FAULT_DIR_ENV)
    if not directory:
        return
    armed = Path(directory, f"{name}.arm")
    taken = Path(directory, f"{name}.taken.{os.getpid()}")
    try:
        armed.rename(taken)
    except OSError:
        return
    Path(directory, f"{name}.reached").write_text(str(os.getpid()))
    time.sleep(PAUSE_SECONDS)


def fault_point_after_commit(name: str) -> None:
    """A pause point right after the surrounding transaction commits and before the hand-offs it
    registered later (`on_commit`): where a process that dies loses what it was about to queue."""
    if not os.environ.get(FAULT_DIR_ENV):
        return
    from django.db import transaction

    transaction.on_commit(lambda: fault_point(name))

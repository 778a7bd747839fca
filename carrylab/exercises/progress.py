"""A record of every judged attempt, for the student and for the teacher.

Each :func:`~carrylab.exercises.check` and :func:`~carrylab.exercises.grade` adds one
entry ``{"exercise": "01.full_adder", "time": "2025-01-31T09:15:02+00:00", "passed":
True}`` (time in UTC, to the second) to a list kept in memory for this Python session,
which :func:`progress` returns. When the environment variable ``CARRYLAB_PROGRESS``
names a file, the entry is also appended to it as one line of JSON, so a teacher can
collect one such file per student (``export CARRYLAB_PROGRESS=~/carrylab-progress.jsonl``
before starting Jupyter). A file that cannot be written is reported in one line on
standard output and never stops the check.

>>> from carrylab.exercises import check, progress
>>> check("00.to_bits", ...)
… 00.to_bits: not attempted yet. Replace the `...` in the cell above with your answer and run it again, then this cell.
False
>>> progress()[-1]["exercise"], progress()[-1]["passed"]
('00.to_bits', False)
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone

__all__ = ["PROGRESS_ENV", "progress", "record"]

#: The environment variable naming the JSON-lines file each attempt is appended to.
PROGRESS_ENV = "CARRYLAB_PROGRESS"
_entries: list[dict] = []


def record(exercise_id: str, passed: bool) -> dict:
    """Add one attempt to the record (and to ``$CARRYLAB_PROGRESS``); return the entry."""
    entry = {"exercise": exercise_id,
             "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "passed": bool(passed)}
    _entries.append(entry)
    path = os.environ.get(PROGRESS_ENV)
    if path:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        try:
            with open(os.path.expanduser(path), "a", encoding="utf-8") as f:
                f.write(line)                      # one short write: lines never interleave
        except OSError as err:
            print(f"(progress not saved to {path}: {err.strerror or err})")
    return entry


def progress() -> list[dict]:
    """Every attempt judged in this session, oldest first (copies of the entries)."""
    return [dict(entry) for entry in _entries]

"""A prefix network as a design-challenge submission: the JSON the challenge checker in
``carrylab`` reads (:func:`submission`, :func:`write_submission`)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from adders.errors import CarrylabTypeError, CarrylabValueError

from ._style import check_network as _check_network

__all__ = ["submission", "write_submission"]


# ---------------------------------------------------------------------- submissions
def submission(network, student: str, challenge: str | None = None) -> dict:
    """A network as a prefix design challenge's JSON object (pure).

    ``challenge`` defaults to ``"prefix-<n>"``, the id the course's prefix challenges
    use (``prefix-16``: at most depth 5 and fanout 4, fewest cells); the network need
    not be valid: the checker says what is wrong with it.

    >>> from adders.prefix import serial
    >>> submission(serial(3), "ada")
    {'challenge': 'prefix-3', 'student': 'ada', 'n': 3, 'levels': [[[1, 0]], [[2, 1]]]}

    Raises
    ------
    ValueError
        ``student`` is empty (a submission names who submits).
    """
    _check_network(network)
    challenge = f"prefix-{network.n}" if challenge is None else challenge
    if not isinstance(student, str) or not isinstance(challenge, str):
        raise CarrylabTypeError(f"student and challenge must be strings, got {student!r} and "
                                f"{challenge!r}")
    if not student.strip():
        raise CarrylabValueError("student must name who submits (a name or an id), got an "
                                 "empty string")
    return {"challenge": challenge, "student": student, "n": network.n,
            "levels": [[[i, j] for i, j in level] for level in network.levels]}


def write_submission(path, network, student: str, challenge: str | None = None) -> Path:
    """Write :func:`submission` to ``path`` (a temporary file renamed, so a reader never
    sees half a file); return the path."""
    path = Path(path)
    text = json.dumps(submission(network, student, challenge), indent=1) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

"""The leaderboard: every submission in a folder, checked and ranked, in one call.

:func:`leaderboard` reads every ``*.json`` file of a folder (not its subfolders), checks
each, and returns one :class:`Row` per student and challenge:

* a student who sent several files for one challenge is ranked by the best of them
  (the note says how many there were);
* within a challenge, the submissions that pass come first, ranked by the challenge's
  key (the score, then its tie-breakers); equal keys share a rank (1, 2, 2, 4);
* then the ones that were checked but did not pass (no rank; the note gives the first
  reason), then the ones that could not be read (status ``invalid``; the note lists the
  mistakes). A broken file never stops the board.

Challenges come in the order of :data:`~carrylab.challenges.CHALLENGES`; files naming no
known challenge come last. Equal designs are judged once: the CL-RNN challenge trains up
to three models for each distinct design, so a board of many CL-RNN designs takes a
while (progress goes to ``log``).

:func:`render` writes the rows as a Markdown table or as CSV.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from pathlib import Path

from adders.errors import CarrylabError, CarrylabValueError, InternalError

from .registry import CHALLENGES, SubmissionError, load_submission, parse

__all__ = ["Row", "leaderboard", "render", "COLUMNS", "FORMATS"]

#: The columns of the board, in order.
COLUMNS = ("challenge", "rank", "student", "score", "unit", "status", "file", "note")
#: What :func:`render` writes.
FORMATS = ("md", "csv")


@dataclass(frozen=True)
class Row:
    """One line of the board: a student's best submission to one challenge, or a file
    that could not be read. ``status`` is "passed", "not passed" or "invalid"."""

    challenge: str
    rank: int | None
    student: str
    score: int | None
    unit: str
    status: str
    file: str
    note: str


def leaderboard(folder, log=None) -> list[Row]:
    """Check every ``*.json`` submission in ``folder`` and rank them.

    Parameters
    ----------
    folder : path
        The folder of submissions.
    log : callable, optional
        Called with one line per file as it is checked (e.g. ``print``).

    Returns
    -------
    list of Row
        Ranked as the module docstring says.

    Raises
    ------
    CarrylabValueError
        ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CarrylabValueError(f"{folder}: no such folder (give the folder of submission "
                                 f"files, *.json)")
    log = log or (lambda line: None)
    valid: dict[tuple[str, str], list] = {}            # (challenge, student) -> [(file, result)]
    invalid: dict[tuple[str, str], list] = {}          # (challenge, student) -> [(file, reason)]
    judged: dict[tuple[str, str], object] = {}
    for path in sorted(p for p in folder.glob("*.json") if p.is_file()):
        submission = None
        try:
            submission = load_submission(path)
            challenge, student, design = parse(submission)
        except SubmissionError as err:
            reason = "; ".join(err.mistakes)
            invalid.setdefault(_names(submission, path), []).append((path.name, reason))
            log(f"{path.name}: invalid")
            continue
        memo = (challenge.id, challenge.canonical(design))
        if memo not in judged:
            log(f"{path.name}: checking {challenge.id} for {student}")
            try:
                judged[memo] = challenge.judge(design, student)
            except CarrylabError as err:
                if isinstance(err, InternalError):
                    raise
                judged[memo] = err
        if isinstance(judged[memo], CarrylabError):
            invalid.setdefault((challenge.id, student), []).append(
                (path.name, f"cannot be checked: {judged[memo]}"))
            continue
        result = replace(judged[memo], student=student)
        valid.setdefault((challenge.id, student), []).append((path.name, result))
    return _rank(valid, invalid)


def _names(submission, path: Path) -> tuple[str, str]:
    """(challenge, student) of an unreadable submission, "?" where unknown."""
    if not isinstance(submission, dict):
        return "?", f"? ({path.name})"
    challenge = submission.get("challenge")
    student = submission.get("student")
    challenge = challenge if isinstance(challenge, str) and challenge in CHALLENGES else "?"
    good = isinstance(student, str) and student.strip() and student.isprintable() \
        and len(student) <= 64
    return challenge, (student.strip() if good else f"? ({path.name})")


def _order(result) -> tuple:
    """Best first: passed, then scored, then by key."""
    return (not result.passed, result.key is None, result.key or ())


def _rank(valid: dict, invalid: dict) -> list[Row]:
    rows: dict[str, list[Row]] = {}
    for (challenge, student), entries in valid.items():
        entries.sort(key=lambda entry: (_order(entry[1]), entry[0]))
        file, best = entries[0]
        notes = [best.note] if best.note else []
        if len(entries) > 1:
            notes.append(f"best of {len(entries)} files")
        bad = invalid.pop((challenge, student), [])
        if bad:
            notes.append(f"{len(bad)} more file(s) invalid")
        rows.setdefault(challenge, []).append(
            (best, Row(challenge, None, student, best.score, best.unit,
                       "passed" if best.passed else "not passed", file, "; ".join(notes))))
    ranked: list[Row] = []
    for challenge in list(CHALLENGES) + ["?"]:
        entries = sorted(rows.get(challenge, []), key=lambda e: (_order(e[0]), e[1].student))
        previous, rank = None, 0
        for position, (result, row) in enumerate(entries, start=1):
            if result.passed:
                if result.key != previous:
                    rank, previous = position, result.key
                row = replace(row, rank=rank)
            ranked.append(row)
        for (name, student), bad in sorted(invalid.items()):
            if name != challenge:
                continue
            files = ", ".join(file for file, _ in bad)
            note = bad[0][1] + (f" (and {len(bad) - 1} more file(s))" if len(bad) > 1 else "")
            unit = CHALLENGES[name].unit if name in CHALLENGES else ""
            ranked.append(Row(name, None, student, None, unit, "invalid", files, note))
    return ranked


def render(rows: list[Row], fmt: str = "md") -> str:
    """The board as a Markdown table (``"md"``) or CSV (``"csv"``), with a header row.

    >>> print(render([Row("select-32", 1, "ada", 25, "gd", "passed", "ada.json", "block 4")]))
    | challenge | rank | student | score | unit | status | file | note |
    |---|---|---|---|---|---|---|---|
    | select-32 | 1 | ada | 25 | gd | passed | ada.json | block 4 |
    """
    if fmt not in FORMATS:
        raise CarrylabValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    cells = [[("-" if value is None else str(value)) for value in
              (r.challenge, r.rank, r.student, r.score, r.unit, r.status, r.file, r.note)]
             for r in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(cells)
        return buffer.getvalue().rstrip("\n")
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in cells:
        lines.append("| " + " | ".join(v.replace("|", "\\|") or " " for v in row) + " |")
    return "\n".join(lines)

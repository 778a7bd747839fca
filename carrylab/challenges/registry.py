"""The challenge registry, the submission format every challenge shares, and the checker.

A *submission* is a JSON object (a small file a student writes by hand or from code)::

    {"challenge": "prefix-16", "student": "ada", ...the challenge's own fields...}

* ``challenge``: the id of a registered challenge (``carrylab challenge list``);
* ``student``: who submits: 1 to 64 printable characters (a name, an id, a team);
* ``comment`` (optional): free text for the reader, ignored by the checker;
* the challenge's own fields (:attr:`Challenge.fields`), described in each challenge's
  module. Any other key is refused, so a misspelt field is never silently ignored.

:func:`check` validates a submission and judges it. A submission that cannot be read
(not JSON, a missing field, a value of the wrong kind or out of range) raises
:class:`SubmissionError`, which lists every mistake, one line each. A readable one gets a
:class:`Result`: passed or not, a score, and feedback lines that say what was checked and
what was found. ``ok`` lines are met requirements, ``FAIL`` lines unmet ones (each says
why), ``info`` lines give figures and comparisons.

Examples
--------
>>> result = check({"challenge": "select-32", "student": "ada", "block": 4})
>>> result.passed, result.score, result.unit
(True, 25, 'gd')
>>> try:
...     check({"challenge": "select-32", "student": "", "block": "four"})
... except SubmissionError as err:
...     print(err)
student: must be 1 to 64 printable characters, got ''
block: must be an integer, got 'four'
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from adders.errors import CarrylabValueError

__all__ = ["Challenge", "Result", "SubmissionError", "CHALLENGES", "register", "get",
           "parse", "check", "load_submission", "check_file", "MAX_FILE_BYTES", "COMMON_FIELDS",
           "read_int", "read_student", "ok", "fail", "info", "shorten"]

#: The largest submission file the checker reads, in bytes.
MAX_FILE_BYTES = 1 << 20

#: Fields every submission may carry, whatever the challenge.
COMMON_FIELDS = ("challenge", "student", "comment")


class SubmissionError(CarrylabValueError):
    """A submission that cannot be judged; :attr:`mistakes` holds one line per mistake
    (``str(err)`` is those lines joined by newlines)."""

    def __init__(self, mistakes):
        self.mistakes = tuple(mistakes)
        super().__init__("\n".join(self.mistakes))


# ---------------------------------------------------------------------- feedback lines
def ok(text: str) -> str:
    """A feedback line for a requirement that is met."""
    return f"ok    {text}"


def fail(text: str) -> str:
    """A feedback line for a requirement that is not met (the text says why)."""
    return f"FAIL  {text}"


def info(text: str) -> str:
    """A feedback line with figures or a comparison; no requirement."""
    return f"info  {text}"


def shorten(text: str, width: int = 72) -> str:
    """``text`` cut to ``width`` characters at most, with "..." where it was cut."""
    return text if len(text) <= width else text[:width - 3].rstrip() + "..."


@dataclass(frozen=True)
class Result:
    """The verdict on one submission.

    Attributes
    ----------
    challenge, student : str
    passed : bool
        Every requirement of the challenge is met.
    score : int or None
        The challenge's figure of merit (see :attr:`Challenge.better`); None when the
        design is not correct enough to score.
    unit : str
        What the score counts ("cells", "gd", "pulses", "parameters").
    feedback : tuple of str
        ``ok`` / ``FAIL`` / ``info`` lines, in the order the checks ran.
    key : tuple or None
        Ranking key: smaller ranks first (the score, then the tie-breakers); equal keys
        share a rank. None when unscored.
    note : str
        A few words for the leaderboard (the tie-breakers, or the first failure).
    """

    challenge: str
    student: str
    passed: bool
    score: int | None
    unit: str
    feedback: tuple[str, ...]
    key: tuple | None = None
    note: str = ""

    def report(self) -> str:
        """The result as text for a terminal: a headline and the feedback lines."""
        verdict = "PASSED" if self.passed else "NOT PASSED"
        score = "not scored" if self.score is None else f"score {self.score} {self.unit}"
        lines = [f"{self.challenge} ({self.student}): {verdict}, {score}"]
        lines += [f"  {line}" for line in self.feedback]
        return "\n".join(lines)


@dataclass(frozen=True)
class Challenge(ABC):
    """A design challenge: what to submit, how it is checked and how it is scored.

    An abstract base: subclasses are frozen dataclasses holding the challenge's
    parameters; they set the class attributes :attr:`fields`, :attr:`unit` and
    :attr:`better` and must implement :attr:`title`, :meth:`goal`, :meth:`parse` and
    :meth:`judge` (Python refuses to create one that does not).

    Attributes
    ----------
    id : str
        What submissions name in ``"challenge"``.
    """

    id: str

    #: The challenge's own fields: name -> one line saying what it holds.
    fields: ClassVar[dict] = {}
    #: What the score counts.
    unit: ClassVar[str] = ""
    #: Which way the score improves: "lower" or "higher".
    better: ClassVar[str] = "lower"

    @property
    @abstractmethod
    def title(self) -> str:
        """One line for ``carrylab challenge list``."""

    @abstractmethod
    def goal(self) -> list[str]:
        """Lines saying what to design, under which limits, and how it is scored."""

    @abstractmethod
    def parse(self, submission: dict, mistakes: list) -> Any:
        """The design the submission describes, in checked Python types; append one line
        per mistake to ``mistakes`` (and return None) when it cannot be read."""

    @abstractmethod
    def judge(self, design, student: str) -> Result:
        """Check and score a parsed design."""

    def canonical(self, design) -> str:
        """A text that is equal for equal designs (the leaderboard judges each once)."""
        return json.dumps(design, sort_keys=True, default=str)

    def result(self, student: str, passed: bool, score, feedback: list, key=None,
               note: str = "") -> Result:
        """A :class:`Result` of this challenge (``key`` is dropped when unscored)."""
        return Result(self.id, student, passed, score, self.unit, tuple(feedback),
                      key if score is not None else None, note)


#: Every registered challenge by id, in the order ``carrylab challenge list`` shows.
CHALLENGES: dict[str, Challenge] = {}


def register(challenge: Challenge) -> Challenge:
    """Add a challenge to :data:`CHALLENGES` (a teacher may add variants this way)."""
    if not isinstance(challenge, Challenge):
        raise CarrylabValueError(f"register takes a Challenge, got {type(challenge).__name__}")
    if challenge.id in CHALLENGES:
        raise CarrylabValueError(f"challenge id {challenge.id!r} is registered already")
    CHALLENGES[challenge.id] = challenge
    return challenge


def get(challenge_id: str) -> Challenge:
    """The registered challenge ``challenge_id``; the error lists the known ids."""
    if challenge_id not in CHALLENGES:
        raise CarrylabValueError(f"unknown challenge {challenge_id!r}; known: "
                                 f"{', '.join(CHALLENGES)}")
    return CHALLENGES[challenge_id]


# ---------------------------------------------------------------------- reading
def read_int(data: dict, name: str, mistakes: list, low: int, high: int,
             where: str | None = None, literals: bool = False) -> int | None:
    """``data[name]`` as an int in [low, high]; else append a mistake and return None.

    ``literals`` also accepts strings as Python reads integer literals ("255", "0xff",
    "0b1111"), handy for operands written by hand. ``where`` names the value in the
    mistake (default: ``name``).
    """
    where = where or name
    if name not in data:
        mistakes.append(f"{where}: missing")
        return None
    value = data[name]
    if literals and isinstance(value, str):
        try:
            value = int(value.strip(), 0)
        except ValueError:
            mistakes.append(f"{where}: {value[:40]!r} is not an integer (write 255, 0xff or "
                            f"0b11111111)")
            return None
    if isinstance(value, bool) or not isinstance(value, int):
        mistakes.append(f"{where}: must be an integer, got {json.dumps(value)[:40]}"
                        if not isinstance(value, str) else
                        f"{where}: must be an integer, got {value[:40]!r}")
        return None
    if not low <= value <= high:
        mistakes.append(f"{where}: must be from {low:,} to {high:,}, got {value:,}")
        return None
    return value


def read_student(submission: dict, mistakes: list) -> str | None:
    """``submission["student"]`` stripped, if it is 1 to 64 printable characters; else
    append a mistake and return None."""
    student = submission.get("student")
    if "student" not in submission:
        mistakes.append("student: missing (who submits: a name or an id)")
        return None
    if (not isinstance(student, str) or not student.strip() or len(student) > 64
            or not student.isprintable()):
        shown = repr(student) if isinstance(student, str) else json.dumps(student)
        mistakes.append(f"student: must be 1 to 64 printable characters, got {shown[:70]}")
        return None
    return student.strip()


def parse(submission) -> tuple[Challenge, str, Any]:
    """Validate a submission: ``(challenge, student, design)``.

    Raises
    ------
    SubmissionError
        Listing every mistake, one line each.
    """
    if not isinstance(submission, dict):
        raise SubmissionError([f"a submission is a JSON object {{\"challenge\": ..., "
                               f"\"student\": ..., ...}}, got a {type(submission).__name__}"])
    mistakes: list[str] = []
    challenge_id = submission.get("challenge")
    challenge = None
    if "challenge" not in submission:
        mistakes.append(f"challenge: missing; one of {', '.join(CHALLENGES)}")
    elif not isinstance(challenge_id, str) or challenge_id not in CHALLENGES:
        mistakes.append(f"challenge: unknown {json.dumps(challenge_id)[:40]}; known: "
                        f"{', '.join(CHALLENGES)}")
    else:
        challenge = CHALLENGES[challenge_id]
    student = read_student(submission, mistakes)
    if "comment" in submission and not isinstance(submission["comment"], str):
        mistakes.append("comment: must be a string (free text)")
    design = None
    if challenge is not None:
        allowed = COMMON_FIELDS + tuple(challenge.fields)
        for key in submission:
            if key not in allowed:
                mistakes.append(f"{key}: not a field of {challenge.id}; its fields are "
                                f"{', '.join(allowed)}")
        design = challenge.parse(submission, mistakes)
    if mistakes:
        raise SubmissionError(mistakes)
    return challenge, student, design


def check(submission) -> Result:
    """Validate and judge a submission (a dict as read from its JSON file).

    Raises
    ------
    SubmissionError
        The submission cannot be read (every mistake listed, one a line).
    """
    challenge, student, design = parse(submission)
    return challenge.judge(design, student)


def load_submission(path) -> dict:
    """Read a submission file (JSON, at most :data:`MAX_FILE_BYTES`).

    Raises
    ------
    SubmissionError
        The file cannot be read (missing, a folder, no permission), is too large, is not
        UTF-8 or is not JSON (with the line and column).
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise SubmissionError([f"cannot read the file: {err.strerror or err}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise SubmissionError([f"the file is larger than {MAX_FILE_BYTES:,} bytes; a "
                               f"submission is a small JSON object"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SubmissionError([f"not UTF-8 text (byte {err.start})"]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise SubmissionError([f"not JSON: {err.msg} at line {err.lineno}, column {err.colno}"]
                              ) from None


def check_file(path) -> Result:
    """:func:`load_submission` then :func:`check`."""
    return check(load_submission(path))

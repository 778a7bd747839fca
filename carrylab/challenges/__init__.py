"""Design challenges only carrylab can score: homework, or a leaderboard for a class.

Each challenge asks for a small design, written by hand or from code as a JSON file,
and a checker that builds it, tests it against an independent reference and scores it,
with feedback that says what was checked, what was found and why it matters.

=========================  ==================================================  ==========
challenge                  submit                                              score
=========================  ==================================================  ==========
prefix-16, prefix-32       a prefix network within depth and fanout limits      cells, -
                           (:mod:`~carrylab.challenges.prefix`)
select-32, select-64       the block size of a carry-select adder               gd, -
                           (:mod:`~carrylab.challenges.blocks`)
glitch-ripple-16,          an input transition that makes the adder glitch      pulses, +
glitch-kogge-stone-16,     the most, or settle last
settle-carry-skip-16       (:mod:`~carrylab.challenges.transition`)             gd, +
clrnn-6, clrnn-8           k, L and H of the smallest CL-RNN that adds          parameters, -
                           (:mod:`~carrylab.challenges.clrnn`)
=========================  ==================================================  ==========

(``-``: lower is better; ``+``: higher is better.) Each module's docstring gives the
task, the file format, what the checker tests and how it scores; the registry
(:mod:`~carrylab.challenges.registry`) gives what every submission shares::

    {"challenge": "select-32", "student": "ada", "block": 6}

For a class
-----------
Students write one JSON file each (or several: the best counts) and check it
themselves; the teacher collects the files into one folder and ranks them::

    carrylab challenge list                       # the challenges, their goals and limits
    carrylab challenge check ada.json             # verdict, score and feedback; exit 0 if passed
    carrylab challenge leaderboard submissions/ --format md -o board.md

``check`` exits 0 when the submission passes, 1 when it is read but does not pass, and 2
when it cannot be read (every mistake on its own line). ``leaderboard`` never stops at a
broken file: it lists it with its mistakes. :func:`prefix_submission` turns a network into
a challenge-1 submission; the prefix-network editor (``viz.editor``) exports the same
JSON from its own code (viz does not import carrylab).

A variant (another width, other limits, another target) is one call in Python, e.g.
``register(PrefixChallenge("prefix-24", n=24, max_depth=6, max_fanout=3))``; then
:func:`check` and :func:`leaderboard` know it (the command line knows the ones above).

Examples
--------
>>> from adders.prefix import han_carlson
>>> result = check(prefix_submission(han_carlson(16), "staff"))
>>> result.passed, result.score, result.unit
(True, 32, 'cells')
"""
from __future__ import annotations

from .blocks import BlockChallenge
from .board import COLUMNS, FORMATS, Row, leaderboard, render
from .clrnn import ClrnnChallenge, receptive_field
from .prefix import PrefixChallenge, prefix_submission
from .registry import (CHALLENGES, Challenge, Result, SubmissionError, check, check_file, get,
                       load_submission, parse, register)
from .transition import TransitionChallenge

# The challenges the command line knows, in the order `challenge list` shows them.
for _challenge in (
        PrefixChallenge("prefix-16", n=16, max_depth=5, max_fanout=4),
        PrefixChallenge("prefix-32", n=32, max_depth=6, max_fanout=4),
        BlockChallenge("select-32", arch="carry-select", n=32, xor_delay=2),
        BlockChallenge("select-64", arch="carry-select", n=64, xor_delay=2),
        TransitionChallenge("glitch-ripple-16", arch="ripple", n=16, objective="glitches",
                            target=150, record=377),
        TransitionChallenge("glitch-kogge-stone-16", arch="kogge-stone", n=16,
                            objective="glitches", target=50, record=81),
        TransitionChallenge("settle-carry-skip-16", arch="carry-skip", n=16, objective="settle"),
        ClrnnChallenge("clrnn-6", n=6),
        ClrnnChallenge("clrnn-8", n=8)):
    register(_challenge)
del _challenge

__all__ = ["CHALLENGES", "Challenge", "Result", "SubmissionError", "check", "check_file", "get",
           "load_submission", "parse", "register", "PrefixChallenge", "prefix_submission",
           "BlockChallenge", "TransitionChallenge", "ClrnnChallenge", "receptive_field",
           "leaderboard", "render", "Row", "COLUMNS", "FORMATS"]

"""The course commands: ``tour``, ``course``, ``challenge``, ``warmup`` (``add_<name>``
declares one, ``run_<name>`` runs it)."""
from __future__ import annotations

import sys
from pathlib import Path

from .flags import (
    output_file,
    output_folder,
)

__all__ = ["add_tour", "run_tour", "add_course", "run_course", "add_challenge", "run_challenge",
           "add_warmup", "run_warmup"]


def add_tour(sub):
    """Declare ``carrylab tour`` and its arguments on the subparsers ``sub``."""
    p = sub.add_parser("tour", help="the whole story, chapter by chapter, on embedded defaults",
                       description="Run the carrylab tour: prints each chapter and writes its tables "
                                   "and figures to an output folder. Needs no downloads.")
    p.add_argument("--out", type=output_folder, default="carrylab-tour",
                   help="output folder (default ./carrylab-tour)")
    p.add_argument("--chapters", default=None,
                   help="comma-separated chapters to run (default: all). Known: adders, timing, rnn, analogy")


def run_tour(args) -> int:
    """Run ``carrylab tour`` on the parsed ``args``; return the exit status."""
    from .. import tour
    return tour.run(args.out, chapters=args.chapters.split(",") if args.chapters else None)


# ---------------------------------------------------------------------- course
def add_course(sub):
    """Declare ``carrylab course`` and its arguments on the subparsers ``sub``."""
    p = sub.add_parser("course", help="the course notebooks that ship with carrylab",
                       description="The seven course notebooks, from logic gates to the CL-RNN.")
    what = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions = [
        ("release", ["copy"], "write the exercise notebooks (no solutions) for students",
         "Write the exercise notebooks (never any solution) into DIR, for students.",
         "NAME.ipynb.bak-<YYYYmmdd-HHMMSS>"),
        ("solutions", [], "write the solutions notebooks into a folder, for the teacher",
         "Write the worked solutions of every notebook into DIR, for the teacher.",
         "NAME.ipynb.bak-<YYYYmmdd-HHMMSS>"),
        ("nbgrader", [], "write an nbgrader course folder (one assignment per notebook)",
         "Write an nbgrader course folder into DIR: nbgrader_config.py and "
         "source/NN_name/NN_name.ipynb for every notebook, with answer cells, locked graded "
         "test cells (1 point per exercise) and hidden tests for values worked out by hand. "
         "Then, in DIR: nbgrader generate_assignment NN_name; before nbgrader autograde, "
         "run carrylab warmup once.",
         "DIR/replaced-<YYYYmmdd-HHMMSS>/"),
    ]
    for name, aliases, summary, description, backup in actions:
        q = what.add_parser(name, aliases=aliases, help=summary,
                            description=description + " Refuses if a file it would write is "
                                                      "already there, so no work is lost.")
        q.set_defaults(course_action=name)
        q.add_argument("dir", metavar="DIR", help="folder to write into (created if needed)")
        q.add_argument("--overwrite", action="store_true",
                       help=f"replace existing files, first moving each aside to {backup}")
        if name == "nbgrader":
            q.add_argument("--course-id", default="carrylab",
                           help="nbgrader's course id (letters, digits, _ and -; default "
                                "carrylab)")
    q = what.add_parser("guide", help="rewrite the generated sections of the teacher's guide",
                        description="Rewrite the sections of the teacher's guide that are "
                                    "generated from the notebook sources, the exercise checker "
                                    "and benchmarks/course_timing.json (run in the checkout).")
    q.set_defaults(course_action="guide")
    q.add_argument("--check", action="store_true",
                   help="change nothing; exit 1 if a generated section is stale")
    q.add_argument("--guide", default="docs/teaching.md", help="the guide (default %(default)s)")
    q.add_argument("--measured", default=None,
                   help="the measured numbers (default: benchmarks/course_timing.json beside "
                        "the guide's docs/ folder)")


def run_course(args) -> int:
    """Run ``carrylab course`` on the parsed ``args``; return the exit status."""
    from .. import course
    if args.course_action == "guide":
        return _run_course_guide(args)
    if args.course_action == "nbgrader":
        written = course.write_nbgrader_course(args.dir, args.course_id, args.overwrite)
        after = (f"Next, in {args.dir}: nbgrader generate_assignment NN_name (one assignment "
                 f"per notebook); run carrylab warmup once before nbgrader autograde.")
    elif args.course_action == "solutions":
        written = course.write_solutions(args.dir, overwrite=args.overwrite)
        after = "These are the worked solutions: keep them away from the students' folders."
    else:
        written = course.write_student_release(args.dir, overwrite=args.overwrite)
        after = "Open the notebooks in Jupyter, starting with 00_tour.ipynb."
    for path, backup in written:
        print(f"wrote {path}" + (f" (the previous file is now {backup})" if backup else ""))
    print(after)
    return 0


def _run_course_guide(args) -> int:
    from ..course import guide
    if args.check:
        stale = guide.stale(args.guide, args.measured)
        for name in stale:
            print(f"stale: the {name!r} section of {args.guide} (run carrylab course guide)")
        return 1 if stale else 0
    changed = guide.update(args.guide, args.measured)
    print(f"rewrote {', '.join(changed)} in {args.guide}" if changed
          else f"{args.guide} is up to date")
    return 0


# ---------------------------------------------------------------------- challenge
def add_challenge(sub):
    """Declare ``carrylab challenge`` and its arguments on the subparsers ``sub``."""
    p = sub.add_parser("challenge", help="design challenges: check a submission, rank a class",
                       description="Design challenges scored by carrylab: a prefix network under "
                                   "limits, a carry-select block size, the worst input transition, "
                                   "the smallest CL-RNN that adds. A submission is a small JSON "
                                   "file (see `carrylab challenge list` and the docstrings of "
                                   "carrylab.challenges).")
    what = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    what.add_parser("list", help="the challenges: goals, limits, scores",
                    description="List every challenge with its goal, limits and score.")
    q = what.add_parser("check", help="check one submission: verdict, score and feedback",
                        description="Check one submission file and print the verdict, the score "
                                    "and the feedback. Exit status: 0 passed, 1 read but not "
                                    "passed, 2 the file cannot be read (one line per mistake).")
    q.add_argument("file", metavar="FILE", help="a submission (JSON)")
    q = what.add_parser("leaderboard", help="check every *.json in a folder and rank them",
                        description="Check every *.json submission in DIR and print one ranked row "
                                    "per student and challenge; files that cannot be read are "
                                    "listed with their mistakes.")
    q.add_argument("dir", metavar="DIR", help="the folder of submissions")
    q.add_argument("--format", choices=("md", "csv"), default="md",
                   help="Markdown table or CSV (default md)")
    q.add_argument("-o", "--output", type=output_file, default=None,
                   help="write the board to this file (default: print it)")
    q.add_argument("--quiet", action="store_true", help="no progress lines")


def run_challenge(args) -> int:
    """Run ``carrylab challenge`` on the parsed ``args``; return the exit status."""
    from .. import challenges
    if args.action == "list":
        for challenge in challenges.CHALLENGES.values():
            print(f"{challenge.id}: {challenge.title}")
            for line in challenge.goal():
                print(f"    {line}")
        return 0
    if args.action == "check":
        try:
            result = challenges.check_file(args.file)
        except challenges.SubmissionError as err:
            for line in err.mistakes:
                print(f"carrylab challenge: {args.file}: {line}", file=sys.stderr)
            return 2
        print(result.report())
        return 0 if result.passed else 1
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr))
    rows = challenges.leaderboard(args.dir, log=progress)
    text = challenges.render(rows, args.format)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(f"{len(rows)} row(s) written to {args.output}")
    else:
        print(text)
    return 0


# ---------------------------------------------------------------------- warmup
def add_warmup(sub):
    """Declare ``carrylab warmup`` and its arguments on the subparsers ``sub``."""
    p = sub.add_parser("warmup", help="compile the Numba kernels the course and the tour use, once",
                       description="Compile every Numba kernel the course notebooks, the tour and "
                                   "the other commands use into Numba's per-user cache "
                                   "($NUMBA_CACHE_DIR, else ~/.cache/carrylab/numba), so that no "
                                   "notebook cell waits for a compiler. Takes a few minutes the "
                                   "first time; afterwards it finds everything cached and takes "
                                   "seconds.")
    p.add_argument("--quiet", action="store_true", help="print nothing")


def run_warmup(args) -> int:
    """Run ``carrylab warmup`` on the parsed ``args``; return the exit status."""
    from ..warmup import run
    run(quiet=args.quiet)
    return 0

"""Write the repository's course notebooks from their sources in ``carrylab/course/src/``.

Writes ``notebooks/NN_name.ipynb`` (the exercises, what students open) and
``docs/teaching/solutions/NN_name.ipynb`` (the worked solutions, kept away from the
students' folder) for every source, through :mod:`carrylab.course`; the source format is
described in ``carrylab/course/cells.py``. Commit the sources and the notebooks together.

Usage::

    python notebooks/build.py            # write the notebooks
    python notebooks/build.py --check    # exit 1 if a committed notebook is stale
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: Where each version of the notebooks is kept.
FOLDERS = {"exercises": HERE, "solutions": ROOT / "docs" / "teaching" / "solutions"}


def main(argv=None) -> int:
    from carrylab import course
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="report stale notebooks instead of writing them")
    args = parser.parse_args(argv)
    if args.check:
        bad = [folder / name for version, folder in FOLDERS.items()
               for name in course.stale(folder, version)]
        for path in bad:
            print(f"stale: {path.relative_to(ROOT)} (run python notebooks/build.py)")
        return 1 if bad else 0
    for version, folder in FOLDERS.items():
        for path in course.build(folder, version):
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))            # this checkout's carrylab, installed or not
    sys.exit(main())

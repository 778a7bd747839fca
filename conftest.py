"""pytest, for the doctests of the packages (the tests themselves have tests/conftest.py)."""

# The course's notebook sources are text with IPython magics, read by carrylab.course;
# they are not modules, so --doctest-modules must not import them.
collect_ignore_glob = ["carrylab/course/src/*.py"]

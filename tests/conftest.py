import os

os.environ.setdefault("MPLBACKEND", "Agg")

# Scripts run by hand, not test modules: the fixture generator needs PyTorch, which is
# no dependency of carrylab (the committed .npz files are what the tests read).
collect_ignore = ["fixtures/make_reference.py"]

"""Grids of training runs on dask.distributed (``carrylab sweep SPEC``).

:mod:`.spec` reads a spec (TOML or YAML) into a :class:`Sweep` of runs; :mod:`.run` runs
them as dask tasks, each in its own folder (resuming interrupted runs, scoring finished
ones); :mod:`.table` writes the per-run and per-cell tables and the figure; :mod:`.claims` runs
the course's training demos over seeds as one sweep and counts the runs that earn each
claim.

Needs the ``sweep`` extra (``pip install -e ".[sweep]"``: dask.distributed, PyYAML);
importing this package loads neither dask nor rnn.
"""
from .run import SweepError, cluster_client, plan, run_sweep, single_threaded, train_run
from .spec import Run, Sweep, SweepSpecError, from_configs, from_dict, load_spec
from .table import markdown, plot_cells, summarize, write_tables

__all__ = ["SweepError", "cluster_client", "plan", "run_sweep", "single_threaded", "train_run", "Run", "Sweep",
           "SweepSpecError", "from_configs", "from_dict", "load_spec", "markdown", "plot_cells",
           "summarize", "write_tables"]

"""Sweep specs: a grid of :class:`rnn.train.TrainConfig` fields and seeds, read from TOML or YAML.

A spec is one table. Its keys are TrainConfig fields (``model``, ``task``, ``data``,
``task_args``, ``hidden``, ``levels``, ``kernel_size``, ``dropout``, ``epochs``, ``lr``,
``seed``, ...) plus two of its own:

* a list crosses: ``model = ["clrnn", "rnn"]`` and ``seed = [0, 1, 2]`` make six runs;
  lists inside ``task_args`` cross too. A field whose value is itself a list (such as
  ``channels``) takes a list of lists to cross;
* ``[models.<name>]`` holds per-model overrides (a list there crosses for that model
  only; ``task_args`` there updates the shared one);
* ``protocol = "paper"`` starts each run from ``rnn.protocol.preset(protocol, model,
  task)``; the fields the spec gives override the preset's (through
  ``rnn.protocol.configure``: ``task_args`` merge key by key).

``data`` is relative to the spec file (or absolute). A run's folder is named by its model,
the crossed keys that vary and its seed: ``clrnn-kernel_size2-seed0``. The *cell* of a
run is its grid point without the seed.

>>> sweep = from_dict({"task": "binary-add", "task_args": {"n_bits": 4}, "epochs": 2,
...                    "model": ["clrnn", "rnn"], "seed": [0, 1],
...                    "models": {"clrnn": {"kernel_size": [2, 3]}}}, out="runs/demo")
>>> [run.name for run in sweep.runs][:3]
['clrnn-kernel_size2-seed0', 'clrnn-kernel_size2-seed1', 'clrnn-kernel_size3-seed0']
>>> sweep.cell_keys
['model', 'kernel_size']
"""
from __future__ import annotations

import dataclasses
import inspect
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from adders.errors import CarrylabError, CarrylabValueError

__all__ = ["SweepSpecError", "Run", "Sweep", "load_spec", "from_dict", "from_configs",
           "OWN_KEYS"]

#: Spec keys that are not TrainConfig fields.
OWN_KEYS = ("protocol", "models")


class SweepSpecError(CarrylabValueError):
    """A sweep spec that cannot be read: bad syntax, an unknown key or a bad value (the
    message names the file and the key)."""


@dataclass
class Run:
    """One training of a sweep: its folder name, its grid point and its config."""

    name: str
    config: object                       # rnn.train.TrainConfig
    coords: dict = field(default_factory=dict)

    @property
    def cell(self) -> tuple:
        """The grid point without the seed: ``(model, *crossed values)``."""
        return (self.config.model,) + tuple(_hashable(v) for v in self.coords.values())


@dataclass
class Sweep:
    """Every run of a spec, and the folder they go to (``out/<run.name>``)."""

    runs: list[Run]
    out: Path
    source: dict = field(default_factory=dict)
    spec_path: Path | None = None

    @property
    def cell_keys(self) -> list[str]:
        """``model`` and every crossed key of any run, in spec order."""
        keys = ["model"]
        for run in self.runs:
            keys += [k for k in run.coords if k not in keys]
        return keys

    def folder(self, run: Run) -> Path:
        """The run folder of ``run``."""
        return self.out / run.name

    def expanded(self) -> dict:
        """The expanded spec as JSON: the source and every run's full config."""
        return {"format": "carrylab-sweep-1",
                "spec": None if self.spec_path is None else str(self.spec_path),
                "source": self.source, "cell_keys": self.cell_keys,
                "runs": [{"name": r.name, "coords": r.coords, "config": r.config.to_dict()}
                         for r in self.runs]}


def _fields() -> dict[str, bool]:
    """TrainConfig's fields -> whether the field's value is itself a list."""
    from rnn.train import TrainConfig
    names = [p for p in inspect.signature(TrainConfig.__init__).parameters if p not in ("self", "body")]
    types = {f.name: str(f.type) for f in dataclasses.fields(TrainConfig)}
    return {n: n == "channels" or any(t in types.get(n, "") for t in ("list", "tuple")) for n in names}


def _error(where: str, message: str) -> SweepSpecError:
    return SweepSpecError(f"{where}: {message}")


def load_spec(path, out=None) -> Sweep:
    """Read a TOML (``.toml``) or YAML (``.yaml``/``.yml``) spec; the runs go to ``out``
    (default ``<spec folder>/runs/<spec stem>``).

    Raises
    ------
    SweepSpecError
        The file is unreadable or not a table, a key is unknown or a value is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise SweepSpecError(f"spec {path}: no such file (give a .toml or .yaml sweep spec)")
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8")
    if suffix == ".toml":
        import tomllib
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise _error(str(path), f"not valid TOML ({err})") from None
    elif suffix in (".yaml", ".yml"):
        raw = _load_yaml(path, text)
    else:
        raise SweepSpecError(f"spec {path}: the suffix {path.suffix!r} is neither .toml nor "
                             f".yaml/.yml")
    if not isinstance(raw, dict):
        raise _error(str(path), f"a spec is a table of keys, got a {type(raw).__name__}")
    out = Path(out) if out is not None else path.parent / "runs" / path.stem
    return from_dict(raw, out=out, base=path.parent, where=str(path), spec_path=path)


def _load_yaml(path: Path, text: str):
    try:
        import yaml
    except ImportError:
        raise SweepSpecError(f"spec {path}: reading YAML needs PyYAML: pip install -e \".[sweep]\"")

    class Loader(yaml.SafeLoader):
        """PyYAML follows YAML 1.1, where ``1e-3`` is a string; read it as a number."""

    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)$|^[-+]?\d+\.\d*$|^[-+]?\.\d+$"),
        list("-+0123456789."))
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as err:
        raise _error(str(path), f"not valid YAML ({' '.join(str(err).split())})") from None


def _is_axis(key: str, value, list_fields: dict) -> bool:
    """A list crosses; a list-valued field crosses only a list of lists."""
    if not isinstance(value, list):
        return False
    if list_fields.get(key):
        return bool(value) and all(isinstance(v, list) for v in value)
    return True


def _hashable(value):
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


def _text(value) -> str:
    """A value as a folder-name part: ``0.003``, ``2``, ``150x150``, ``paper``."""
    if isinstance(value, list):
        return "x".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return re.sub(r"[^A-Za-z0-9._]+", "_", str(value))


def _axes(where: str, values: dict, list_fields: dict) -> list[tuple[str, str | None, list]]:
    """The crossed keys of one model's settings: ``(key, task_args option or None, values)``."""
    axes = []
    for key, value in values.items():
        if key == "task_args" and isinstance(value, dict):
            axes += [(opt, opt, v) for opt, v in value.items() if isinstance(v, list)]
        elif key != "seed" and _is_axis(key, value, list_fields):
            axes.append((key, None, value))
    for key, _, value in axes:
        if not value:
            raise _error(where, f"{key} is an empty list: give at least one value")
        seen = [_hashable(v) for v in value]
        dup = next((v for i, v in enumerate(value) if seen.index(_hashable(v)) != i), None)
        if dup is not None:
            raise _error(where, f"{key} lists {dup!r} twice")
    return axes


def from_dict(raw: dict, out, base=None, where: str = "spec", spec_path=None) -> Sweep:
    """Expand a spec table into its runs (see the module docstring); ``base`` is the
    folder relative ``data`` paths start from, ``where`` names the spec in errors."""
    fields = _fields()
    known = set(fields) | set(OWN_KEYS)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _error(where, f"unknown key {unknown[0]!r}; known keys: {', '.join(sorted(known))}")
    from rnn.train import MODELS, TrainConfig
    models = raw.get("model", TrainConfig.model)
    models = models if isinstance(models, list) else [models]
    for m in models:
        if m not in MODELS:
            raise _error(where, f"model {m!r} is not a model; known: {', '.join(MODELS)}")
    if len(set(models)) != len(models):
        raise _error(where, "model lists a model twice")
    overrides = raw.get("models", {})
    if not isinstance(overrides, dict):
        raise _error(where, f"models must be a table of per-model tables, got {overrides!r}")
    for m, table in overrides.items():
        if m not in models:
            raise _error(where, f"models.{m}: {m!r} is not in model = {models}")
        if not isinstance(table, dict):
            raise _error(where, f"models.{m} must be a table of fields, got {table!r}")
        bad = sorted(set(table) - (set(fields) | {"protocol"}) | ({"model", "seed"} & set(table)))
        if bad:
            raise _error(where, f"models.{m}.{bad[0]}: not allowed here; a per-model table sets "
                                f"TrainConfig fields other than model and seed")
    runs = []
    for m in models:
        values = {k: v for k, v in raw.items() if k not in ("model", "models")}
        for k, v in overrides.get(m, {}).items():
            if k == "task_args" and isinstance(v, dict) and isinstance(values.get(k), dict):
                values[k] = {**values[k], **v}
            else:
                values[k] = v
        runs += _expand(m, values, fields, base, where)
    _check_names(runs, where)
    return Sweep(runs, Path(out), source=raw, spec_path=None if spec_path is None else Path(spec_path))


def _expand(model: str, values: dict, fields: dict, base, where: str) -> list[Run]:
    from rnn.train import TrainConfig
    seeds = values.get("seed", TrainConfig.seed)
    seeds = seeds if isinstance(seeds, list) else [seeds]
    if not seeds or len(set(map(str, seeds))) != len(seeds):
        raise _error(where, f"seed must be a seed or a list of distinct seeds, got {seeds!r}")
    axes = _axes(where, values, fields)
    runs = []
    for combo in itertools.product(*(v for _, _, v in axes)):
        coords = {key: value for (key, _, _), value in zip(axes, combo)}
        for seed in seeds:
            settings = {k: v for k, v in values.items() if k != "seed"}
            settings["task_args"] = dict(settings.get("task_args") or {})
            for (key, option, _), value in zip(axes, combo):
                if option is not None:
                    settings["task_args"][option] = value
                else:
                    settings[key] = value
            name = "-".join([model] + [f"{k}{_text(v)}" for k, v in coords.items()] + [f"seed{_text(seed)}"])
            runs.append(Run(name, _config(model, seed, settings, base, f"{where}: run {name}"), coords))
    return runs


def _config(model: str, seed, settings: dict, base, where: str):
    from rnn.train import TrainConfig
    protocol = settings.pop("protocol", None)
    if settings.get("data") is not None and base is not None and isinstance(settings["data"], str):
        settings["data"] = str((Path(base) / settings["data"]).resolve())
    _check_task_args(settings.get("task", TrainConfig.task), settings.get("task_args"), where)
    try:
        if protocol is None:
            return TrainConfig(model=model, seed=seed, **settings)
        task = settings.pop("task", TrainConfig.task)
        return _configure(where)(protocol, model, task, seed=seed, **settings)
    except CarrylabError as err:
        raise _error(where, str(err)) from None
    except TypeError as err:                        # a field given a value of a wrong kind
        raise _error(where, str(err)) from None


def _check_task_args(task, task_args, where: str) -> None:
    """Options the task's constructor does not take are refused now, not on a worker."""
    from rnn.tasks import TASKS
    if task not in TASKS or not isinstance(task_args, dict):
        return                                     # TrainConfig names the mistake
    takes = [p for p in inspect.signature(TASKS[task]).parameters if p != "path"]
    unknown = sorted(set(task_args) - set(takes))
    if unknown:
        raise _error(where, f"task_args.{unknown[0]}: task {task!r} has no such option; it takes "
                            f"{', '.join(takes) or 'none'}")


def _configure(where: str):
    """rnn.protocol.configure: the preset, then the spec's fields over it (task_args
    merged key by key)."""
    try:
        from rnn.protocol import configure
    except ImportError:
        raise _error(where, "protocol needs rnn.protocol, which this carrylab lacks; give "
                            "the fields explicitly instead") from None
    return configure


def _check_names(runs: list[Run], where: str) -> None:
    seen = {}
    for run in runs:
        if run.name in seen:
            raise _error(where, f"two runs would share the folder {run.name!r}: make the values "
                                f"of the crossed keys differ in their text")
        seen[run.name] = run


def from_configs(configs: dict, seeds, out) -> Sweep:
    """A sweep of named TrainConfigs over ``seeds`` (each run is the config with that
    seed), e.g. the course demos: ``from_configs({"elman": demos.ELMAN}, range(10), out)``.
    Runs are named ``<name>-seed<k>``; the cell key is ``variant``."""
    from rnn.train import TrainConfig
    runs = []
    for name, config in configs.items():
        if not isinstance(config, TrainConfig):
            raise CarrylabValueError(f"configs[{name!r}] must be a TrainConfig, got {config!r}")
        for seed in seeds:
            runs.append(Run(f"{_text(name)}-seed{seed}", dataclasses.replace(config, seed=seed),
                            {"variant": name}))
    _check_names(runs, "configs")
    source = {"variants": {n: c.to_dict() for n, c in configs.items()}, "seed": list(seeds)}
    return Sweep(runs, Path(out), source=source)

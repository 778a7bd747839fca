"""Checkpoints: one ``.npz`` of arrays plus a JSON description, written atomically.

A checkpoint ``<dir>/<name>.npz`` holds the model parameters (``param/<name>``), the
optimiser state (``optim/<key>``), any other arrays (``extra/<key>``) and, as the
entry ``__meta__``, the JSON metadata (config, epoch, metrics, RNG state) encoded as
UTF-8 bytes, so the file alone is complete and consistent. ``<dir>/<name>.json`` is the
same metadata, for people and other tools; carrylab itself reads only the ``.npz``.

Each file is written to a temporary name in the same folder, flushed to disk and then
renamed over the old one (``os.replace`` is atomic on POSIX), so an interrupted write
never leaves a half-written checkpoint behind. No pickle: arrays load with
``allow_pickle=False``.
"""
from __future__ import annotations

import io
import json
import os
import secrets
import zipfile
import zlib
from pathlib import Path

import numpy as np

from adders.errors import CarrylabTypeError, CarrylabValueError

__all__ = ["save_checkpoint", "load_checkpoint", "atomic_write_bytes", "CheckpointError"]


class CheckpointError(CarrylabValueError):
    """A checkpoint that is missing, corrupt, or does not fit the model it is loaded into."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename.

    The temporary ``.<name>.<random hex>.tmp`` sits in the same folder and is created
    with mode 0666 minus the process's umask, so the file ends with the user's usual
    permissions (not the 0600 of :func:`tempfile.mkstemp`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_checkpoint(directory, name: str, params: dict, meta: dict,
                    optim_state: dict | None = None, extra: dict | None = None) -> Path:
    """Save arrays and metadata as ``directory/name.npz`` (+ ``name.json``); return the npz path."""
    arrays = {f"param/{k}": np.asarray(v) for k, v in params.items()}
    arrays.update({f"optim/{k}": np.asarray(v) for k, v in (optim_state or {}).items()})
    arrays.update({f"extra/{k}": np.asarray(v) for k, v in (extra or {}).items()})
    text = json.dumps(meta, indent=2, sort_keys=True, default=_json_default)
    arrays["__meta__"] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    directory = Path(directory)
    npz = directory / f"{name}.npz"
    atomic_write_bytes(npz, buffer.getvalue())
    atomic_write_bytes(directory / f"{name}.json", (text + "\n").encode("utf-8"))
    return npz


def load_checkpoint(path) -> tuple[dict, dict, dict, dict]:
    """Read a checkpoint file (or ``dir`` containing ``best.npz``).

    Returns ``(params, optim_state, extra, meta)``.

    Raises
    ------
    CheckpointError
        File missing, not a carrylab checkpoint, truncated or damaged (the message
        names the file and what is wrong with it).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "best.npz"
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {path}")
    with open(path, "rb") as f:
        head = f.read(4)
    if head != b"PK\x03\x04":                  # NumPy would try a pickle next: never
        what = "the file is empty" if not head else "not a .npz archive (no zip header)"
        raise CheckpointError(f"{path} is damaged or not a checkpoint ({what}); use another "
                              f"checkpoint (best.npz / last.npz) or train again")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except ValueError as err:
        if "allow_pickle" in str(err):
            raise CheckpointError(f"{path} holds pickled objects, which carrylab never loads "
                                  f"(checkpoints hold plain arrays only)") from None
        raise CheckpointError(f"{path} is damaged or not a checkpoint ({_reason(err)}); use "
                              f"another checkpoint (best.npz / last.npz) or train again") from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise CheckpointError(f"{path} is damaged or not a checkpoint ({_reason(err)}); use "
                              f"another checkpoint (best.npz / last.npz) or train again") from None
    if "__meta__" not in arrays:
        raise CheckpointError(f"{path} has no __meta__ entry: not a carrylab checkpoint")
    try:
        meta = json.loads(arrays.pop("__meta__").tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{path}: its metadata is not valid JSON ({err})") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: its metadata is a {type(meta).__name__}, not a JSON object")
    split = {"param": {}, "optim": {}, "extra": {}}
    for key, value in arrays.items():
        group, _, name = key.partition("/")
        if group in split:
            split[group][name] = value
    return split["param"], split["optim"], split["extra"], meta


def _reason(err: Exception) -> str:
    """One line from a NumPy / zipfile error: ``empty file`` rather than an EOFError."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if isinstance(err, EOFError) or "No data left" in text:
        return "the file is empty or cut short"
    if isinstance(err, zipfile.BadZipFile):
        return f"corrupt data: {text}" if "CRC" in text else f"the archive is cut short or damaged: {text}"
    return text or type(err).__name__


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise CarrylabTypeError(f"cannot store {type(value).__name__} in checkpoint metadata")

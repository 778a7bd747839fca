"""carrylab's exceptions: a user's mistake, a file that cannot be used, a bug inside.

Every error carrylab raises on purpose derives from :class:`CarrylabError`, so a caller
can catch the project's errors in one place, and also from the built-in exception that
matches it (``ValueError``, ``TypeError``, ``OSError``, ...), so code written against
the built-ins keeps working. The other packages add their own subclasses
(``PrefixNetworkError``, ``TaskError``, ``CheckpointError``, ``RunFolderError``,
``TrainingDiverged``); every message names the argument, file or net involved, the
value it got and what is allowed.

>>> from adders import build
>>> try:
...     build("ripple", 0)
... except CarrylabError as err:
...     print(type(err).__name__, "|", err)
CarrylabValueError | n must be an int in [1, 65,536], got 0
"""

__all__ = ["CarrylabError", "CarrylabValueError", "CarrylabTypeError", "CarrylabRuntimeError",
           "NetlistError", "CircuitFileError", "ShadowedPackageError", "InternalError"]


class CarrylabError(Exception):
    """Base of carrylab's own exceptions."""


class CarrylabValueError(CarrylabError, ValueError):
    """An argument of the right type with a value that is not allowed."""


class CarrylabTypeError(CarrylabError, TypeError):
    """An argument of a type that is not allowed."""


class CarrylabRuntimeError(CarrylabError, RuntimeError):
    """A call that is not allowed in the object's current state (e.g. backward before
    forward)."""


class NetlistError(CarrylabValueError):
    """A malformed circuit: cycles, undriven or multiply driven nets, unknown gate kinds,
    bad fan-in. The message names the nets or gates involved."""


class CircuitFileError(CarrylabValueError):
    """A circuit file of another tool (Logisim ``.circ``, Digital ``.dig``) that carrylab
    cannot read: malformed XML, an unsupported component, a dangling wire, two outputs
    driving one net. The message names the file, the circuit, the component and its
    position."""


class ShadowedPackageError(CarrylabError, ImportError):
    """Another distribution's module took the name of one of carrylab's packages
    (``rnn`` and ``viz`` are also the names of unrelated projects)."""


class InternalError(CarrylabError, RuntimeError):
    """Something carrylab itself got wrong; please report it with the message."""


def carrylab_kind(err: Exception) -> type:
    """The carrylab class to re-raise ``err`` with more context: its TypeError or its
    ValueError (so a message can grow a prefix without leaving the family)."""
    return CarrylabTypeError if isinstance(err, TypeError) else CarrylabValueError

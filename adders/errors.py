"""The two kinds of failure: a user's mistake, and a bug inside carrylab."""

__all__ = ["CarrylabError", "NetlistError", "InternalError"]


class CarrylabError(Exception):
    """Base of carrylab's own exceptions."""


class NetlistError(CarrylabError, ValueError):
    """A malformed circuit: cycles, undriven or multiply driven nets, unknown gate kinds,
    bad fan-in. The message names the nets or gates involved."""


class InternalError(CarrylabError, RuntimeError):
    """Something carrylab itself got wrong; please report it with the message."""

"""``python -m carrylab`` runs the command line."""
import sys

from .cli import run

__all__: list[str] = []

sys.exit(run())

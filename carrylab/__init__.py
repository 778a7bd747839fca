"""carrylab: the command line, front door to adders/, rnn/ and viz/."""

__all__: list[str] = []

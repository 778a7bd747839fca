"""carrylab: the command line, front door to adders/, rnn/ and viz/."""

"""The subcommands of ``carrylab``, one module per group: :mod:`.circuits` (add, adders,
timing, verilog, export, grade), :mod:`.drawing` (draw), :mod:`.training` (train, eval,
compare), :mod:`.course` (tour, course, challenge, warmup), and the argparse helpers they
share in :mod:`.flags`. :data:`carrylab.cli.COMMANDS` dispatches to them."""

__all__: list[str] = []

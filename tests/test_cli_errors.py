"""Bad input and faults at the command line: one clear line, the right exit code, never a
traceback, nothing lost. Each case is one of the probes a new user tried; the message it
must show is part of the case."""
from __future__ import annotations

import json
import shutil
import struct
import zipfile
from pathlib import Path

import pytest

from carrylab import cli
from carrylab.cli import main

UNWRITABLE = "/proc/carrylab-nowhere"     # /proc refuses new entries, even to root
TINY = ["--task", "binary-add", "--bits", "6", "--train-size", "64", "--hidden", "4",
        "--levels", "2", "--kernel-size", "2", "--quiet"]


def outcome(capsys, *argv) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``carrylab argv``; a parser refusal counts too."""
    try:
        code = main(list(argv))
    except SystemExit as stop:
        code = stop.code
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_one_line(err: str, command: str, *fragments: str) -> None:
    """No traceback; the last line names the command and holds every fragment."""
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"carrylab {command}"), last
    for fragment in fragments:
        assert fragment in last, (fragment, last)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "done"
    assert main(["train", *TINY, "--epochs", "1", "--out", str(out)]) == 0
    return out


# ------------------------------------------------------------------ unwritable outputs
@pytest.mark.parametrize("argv, command, fragment", [
    (["verilog", "--bits", "4", "-o", f"{UNWRITABLE}/x.v"], "verilog", "does not exist"),
    (["verilog", "--bits", "4", "--testbench", f"{UNWRITABLE}/tb.v"], "verilog", "does not exist"),
    (["draw", "prefix", "--bits", "8", "-o", f"{UNWRITABLE}/x.png"], "draw prefix", "does not exist"),
    (["timing", "--bits", "4", "--vcd", f"{UNWRITABLE}/x.vcd"], "timing", "does not exist"),
    (["verilog", "--bits", "4", "-o", "/proc/x.v"], "verilog", "/proc/x.v"),
    (["tour", "--chapters", "timing", "--out", f"{UNWRITABLE}/t"], "tour", UNWRITABLE),
    (["train", *TINY, "--epochs", "1", "--out", f"{UNWRITABLE}/run"], "train",
     f"cannot create the run folder {UNWRITABLE}/run"),
    (["compare", "--models", "rnn", "--epochs", "1", "--bits", "4", "--train-size", "32",
      "--out", f"{UNWRITABLE}/c"], "compare", "cannot create the run folder"),
])
def test_unwritable_outputs(capsys, argv, command, fragment):
    code, _, err = outcome(capsys, *argv)
    assert code == 2
    assert_one_line(err, command, fragment)


@pytest.mark.parametrize("command, argv", [
    ("train", ["train", *TINY, "--epochs", "1", "--out"]),
    ("tour", ["tour", "--chapters", "timing", "--out"]),
    ("compare", ["compare", "--models", "rnn", "--epochs", "1", "--out"]),
    ("draw gallery", ["draw", "gallery", "--out"]),
])
def test_an_out_folder_that_is_a_file(capsys, tmp_path, command, argv):
    (tmp_path / "f").write_text("keep me")
    code, _, err = outcome(capsys, *argv, str(tmp_path / "f"))
    assert code == 2
    assert_one_line(err, command, "is a file, not a folder")
    assert (tmp_path / "f").read_text() == "keep me"


def test_an_output_file_that_is_a_folder(capsys, tmp_path):
    code, _, err = outcome(capsys, "verilog", "--bits", "4", "-o", str(tmp_path))
    assert code == 2
    assert_one_line(err, "verilog", "is a folder; give a file name")


# ------------------------------------------------------------------ damaged checkpoints
def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncated":
        path.write_bytes(bytes(data[:len(data) // 2]))
    elif how == "bit-flipped":
        # Flip a bit inside the largest array's stored bytes (not a zip header), so the
        # archive opens and only the CRC check can notice.
        member = max(zipfile.ZipFile(path).infolist(), key=lambda info: info.compress_size)
        name_len, extra_len = struct.unpack("<HH", data[member.header_offset + 26:member.header_offset + 30])
        data[member.header_offset + 30 + name_len + extra_len + member.compress_size // 2] ^= 0x10
        path.write_bytes(bytes(data))
    else:
        path.write_bytes(b"")


@pytest.mark.parametrize("how, reason", [("truncated", "the archive is cut short or damaged"),
                                         ("bit-flipped", "Bad CRC-32"),
                                         ("empty", "the file is empty")])
def test_damaged_checkpoints(capsys, tmp_path, finished_run, how, reason):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    for name in ("best.npz", "last.npz"):
        _damage(run / name, how)
    code, _, err = outcome(capsys, "eval", "--checkpoint", str(run))
    assert code == 2
    assert_one_line(err, "eval", f"{run / 'best.npz'} is damaged", reason)
    code, _, err = outcome(capsys, "train", "--resume", str(run), "--epochs", "2", "--quiet")
    assert code == 2
    assert_one_line(err, "train", f"{run / 'last.npz'} is damaged", reason)


@pytest.mark.parametrize("edit", ["no config", "unknown key", "garbage"])
def test_resume_reads_the_checkpoint_not_its_json_twin(capsys, tmp_path, finished_run, edit):
    """last.json is for people: an edited or broken copy changes nothing."""
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    doc = json.loads((run / "last.json").read_text())
    if edit == "no config":
        del doc["config"]
    elif edit == "unknown key":
        doc["config"]["foo"] = 1
    (run / "last.json").write_text("{garbage" if edit == "garbage" else json.dumps(doc))
    code, out, err = outcome(capsys, "train", "--resume", str(run), "--epochs", "2")
    assert code == 0, err
    assert "best epoch" in out


def test_a_bad_config_inside_a_checkpoint_names_the_file(tmp_path, finished_run):
    from rnn.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
    from rnn.train import evaluate_checkpoint
    params, optim, extra, meta = load_checkpoint(finished_run / "best.npz")
    for change, message in ((lambda c: c.update(foo=1), "unknown config key(s) 'foo'"),
                            (lambda c: c.update(hidden="big"), "bad stored config: hidden must be"),
                            (lambda c: c.pop("model") and c.update(model=7), "model must be one of")):
        bad = json.loads(json.dumps(meta))
        change(bad["config"])
        save_checkpoint(tmp_path, "bad", params, bad, optim, extra)
        with pytest.raises(CheckpointError, match=f"{tmp_path / 'bad.npz'}: .*"):
            evaluate_checkpoint(tmp_path / "bad.npz")
        with pytest.raises(CheckpointError, match=message.replace("(", r"\(").replace(")", r"\)")):
            evaluate_checkpoint(tmp_path / "bad.npz")


# ------------------------------------------------------------------ flags refused
@pytest.mark.parametrize("argv, command, fragment", [
    (["train", *TINY, "--batch-size", "-3"], "train", "--batch-size must be >= 1, got -3"),
    (["train", *TINY, "--max-batches", "-1"], "train", "--max-batches must be >= 1, got -1"),
    (["train", *TINY, "--eval-batches", "0"], "train", "--eval-batches must be >= 1, got 0"),
    (["train", *TINY, "--epochs", "0"], "train", "--epochs must be from 1 to 100,000, got 0"),
    (["train", *TINY, "--clip", "nan"], "train", "--clip must be a finite number >= 0, got nan"),
    (["train", *TINY, "--clip", "-1"], "train", "--clip must be a finite number >= 0, got -1"),
    (["train", *TINY, "--lr", "0"], "train", "--lr must be a finite number > 0, got 0"),
    (["train", *TINY, "--lr", "inf"], "train", "--lr must be a finite number > 0, got inf"),
    (["train", *TINY, "--dropout", "1"], "train", "--dropout must be in [0, 1), got 1"),
    (["train", *TINY, "--hidden", "5000"], "train", "--hidden must be from 1 to 4,096, got 5,000"),
    (["train", *TINY, "--bits", "5000"], "train", "--bits must be from 1 to 4,096, got 5,000"),
    (["timing", "--bits", "4", "--xor-delay", "1e308"], "timing",
     "--xor-delay must be a finite number >= 0 and <= 1e+09, got 1e308"),
    (["verilog", "--bits", "4", "--testbench", "tb.v", "--xor-delay", "1e308"], "verilog",
     "--xor-delay must be a finite number >= 0 and <= 1e+09"),
    (["timing", "--bits", "4", "--xor-delay", "-1"], "timing", "--xor-delay must be from 0"),
    (["add", "--bits", "1000000", "1", "1"], "add", "--bits must be from 1 to 16,384, got 1,000,000"),
    (["timing", "--bits", "5000"], "timing", "--bits must be from 1 to 4,096, got 5,000"),
    (["adders", "--bits", "5000"], "adders", "--bits must be from 1 to 4,096, got 5,000"),
    (["verilog", "--vectors", "-1"], "verilog", "--vectors must be from 0 to 1,000,000, got -1"),
    (["draw", "prefix", "--bits", "257", "-o", "x.png"], "draw prefix",
     "--bits must be from 1 to 256, got 257"),
    (["draw", "circuit", "--bits", "5000", "-o", "x.png"], "draw circuit",
     "--bits must be from 1 to 4,096, got 5,000"),
    (["draw", "waveform", "--bits", "300", "-o", "x.png"], "draw waveform",
     "--bits must be from 1 to 256, got 300"),
])
def test_flags_out_of_range_are_refused_before_any_work(capsys, argv, command, fragment):
    code, _, err = outcome(capsys, *argv)
    assert code == 2
    assert_one_line(err, command, fragment)


@pytest.mark.parametrize("argv, command, fragment", [
    (["train", "--task", "binary-add", "--seq-len", "50"], "train",
     "--seq-len does not apply to --task binary-add; it sets the seq_len of: char"),
    (["train", "--task", "jsb", "--data", "x.mat", "--bits", "8"], "train",
     "--bits does not apply to --task jsb; it sets the n_bits of: binary-add"),
    (["compare", "--models", "rnn,transformer"], "compare", "unknown model(s) ['transformer']"),
    (["verilog", "--bits", "4", "--module", "logic"], "verilog",
     "module_name 'logic' is a reserved word of Verilog or SystemVerilog"),
    (["draw", "receptive-field", "--levels", "40", "-o", "rf.png"], "draw",
     "R = 1,099,511,627,776 inputs; receptive_field draws at most 1,024"),
])
def test_mistakes_found_by_the_libraries_are_one_line(capsys, tmp_path, monkeypatch, argv,
                                                      command, fragment):
    monkeypatch.chdir(tmp_path)
    code, _, err = outcome(capsys, *argv)
    assert code == 2
    assert_one_line(err, command, fragment)
    assert not any(tmp_path.iterdir())                       # nothing written


def test_resume_refuses_flags_it_would_ignore(capsys, finished_run):
    code, _, err = outcome(capsys, "train", "--resume", str(finished_run), "--lr", "0.1",
                           "--hidden", "9")
    assert code == 2
    assert_one_line(err, "train", "--hidden, --lr: not allowed with --resume")
    code, _, err = outcome(capsys, "train", "--resume", str(finished_run), "--overwrite")
    assert code == 2
    assert_one_line(err, "train", "--resume continues a run and --overwrite replaces one")


def test_a_fresh_train_into_a_finished_run_is_refused(capsys, finished_run):
    before = {p.name: p.read_bytes() for p in finished_run.iterdir()}
    code, _, err = outcome(capsys, "train", *TINY, "--epochs", "1", "--out", str(finished_run))
    assert code == 2
    assert_one_line(err, "train", "already holds a run", "--resume", "--overwrite")
    assert {p.name: p.read_bytes() for p in finished_run.iterdir()} == before


def test_overwrite_at_the_command_line_keeps_the_old_run(capsys, tmp_path, finished_run):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    code, out, err = outcome(capsys, "train", *TINY, "--epochs", "1", "--out", str(run),
                             "--overwrite")
    assert code == 0, err
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("run.replaced-")]
    assert len(aside) == 1 and (aside[0] / "best.npz").read_bytes() == \
        (finished_run / "best.npz").read_bytes()
    assert f"are now in {aside[0]}" in out


@pytest.mark.filterwarnings("ignore:overflow encountered", "ignore:invalid value encountered")
def test_a_diverged_run_exits_1_with_one_line(capsys, tmp_path):
    code, _, err = outcome(capsys, "train", *TINY, "--train-size", "512", "--batch-size", "16",
                           "--epochs", "1", "--lr", "1e30", "--out", str(tmp_path / "run"))
    assert code == 1
    assert_one_line(err, "train", "is not finite", "lr = 1e+30 may be too large")
    assert (tmp_path / "run" / "last.npz").is_file()


def test_eval_batches_bound_the_scoring(capsys, finished_run):
    code, out, _ = outcome(capsys, "eval", "--checkpoint", str(finished_run), "--eval-batches", "1")
    assert code == 0 and "(first 1 batches)" in out


def test_interrupt_prints_how_to_continue(capsys, monkeypatch, tmp_path):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr("rnn.train.fit", interrupted)
    code, _, err = outcome(capsys, "train", *TINY, "--out", str(tmp_path / "r"))
    assert code == 130
    assert_one_line(err, "train", f"interrupted; continue with: carrylab train --resume {tmp_path / 'r'}")


def test_debug_shows_the_traceback_and_bugs_are_never_hidden(capsys, monkeypatch, tmp_path):
    from rnn.runs import RunFolderError
    with pytest.raises(RunFolderError):
        main(["train", *TINY, "--out", f"{UNWRITABLE}/r", "--debug"])

    def bug(args):
        raise KeyError("an internal slip")
    monkeypatch.setitem(cli.COMMANDS, "adders", (cli.COMMANDS["adders"][0], bug))
    with pytest.raises(KeyError):                # not a user's mistake: the traceback stays
        main(["adders"])


# ------------------------------------------------------------------ big numbers
@pytest.mark.slow
def test_add_prints_numbers_longer_than_pythons_digit_limit(capsys):
    n = 14_500                                    # 4,365 decimal digits: above 4,300
    a = (1 << n) - 1
    code, out, err = outcome(capsys, "add", "--arch", "ripple", "--bits", str(n), hex(a), "1")
    assert code == 0, err
    assert f"longest run of carries: {n} bit(s)" in out
    import sys
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        assert f"a + b + cin = {a + 1}" in out
    finally:
        sys.set_int_max_str_digits(old)


def test_every_picture_kind_draws_and_dense_ones_say_so(capsys, tmp_path):
    for argv in (["draw", "receptive-field", "--kernel-size", "2", "--levels", "10"],
                 ["draw", "prefix", "--bits", "16", "--poster"],
                 ["draw", "circuit", "--bits", "300"]):
        code, out, err = outcome(capsys, *argv, "-o", str(tmp_path / "x.png"))
        assert code == 0, err
        assert (tmp_path / "x.png").stat().st_size > 0
        assert ("too dense to read" in out) == (argv[1] == "circuit"), out

"""Logisim ``.circ`` files: export a circuit, check it in Logisim, import a drawn one.

Logisim (Carl Burch's 2.7.1, the version Debian packages) and its successor
Logisim-evolution (3.x) save a project as XML::

    <project source="3.8.0" version="1.0">
      <lib desc="#Wiring" name="0"/>  <lib desc="#Gates" name="1"/>
      <main name="adder"/>
      <circuit name="adder">
        <comp lib="1" loc="(250,100)" name="AND Gate"> <a name="inputs" val="2"/> </comp>
        <wire from="(180,80)" to="(200,80)"/>
      </circuit>
    </project>

Coordinates are pixels on a 10 px grid, y pointing down. A gate's ``loc`` is its output;
its inputs sit ``size`` px to the left (XOR-family 10 px further, a negated output 10 px
more), spread vertically by the input count. A subcircuit is a ``<comp>`` without ``lib``
named after its circuit; its pins are where the circuit's appearance puts them.

Connection rule, Logisim's own (it re-splits wires whenever it loads a circuit): a wire
joins every wire end and every component pin lying on it, at its ends *or in its
middle*, so a T-junction connects and so does a pin a wire passes over; two wires that
merely cross do not. Tunnels with equal labels join their nets.

* :func:`to_logisim` draws a carrylab circuit: one multi-bit input pin per bus (``A``,
  ``B``, ``Cin``) fanned out by a splitter, gates in columns by logic level, and every
  gate pin tied by a short wire to a tunnel named after its net (``g3``, ``p3``, ``c4``,
  ``G7_4``), so the student sees the netlist's own names and no wire has to be routed.
  Given ``vectors`` it adds a main circuit ``check`` that feeds every vector from
  constants into its own copy of the adder, for a headless run.
* :func:`logisim_test_vectors` writes Logisim-evolution's test-vector file
  (*Simulate > Test Vector*): ``A[8] B[8] Cin S[8] Cout`` then one binary row per vector.
* :func:`run_logisim` runs a Logisim jar headless on that ``check`` circuit and returns
  the outputs Logisim computed, vector by vector.
* :func:`from_logisim` reads a drawn circuit back into a :class:`~adders.netlist.Circuit`.

Files are written with ``source="3.8.0"``: Logisim-evolution opens them without its
"old file format" dialog (shown for versions below 2.7.2) and Logisim 2.7.1 reads them
too, as long as no bus is wider than its 32-bit limit. Pins keep the 2.7.1-style
``output``/``tristate`` attributes, which Logisim-evolution converts on loading.

Import mapping: top-level input pins become input buses named by their label in lower
case (``A`` -> ``a``, ``Cin`` -> ``cin``; a trailing range such as ``[3:0]`` is dropped);
output pins likewise (``S`` -> ``s``, ``Cout`` -> ``cout``). One-bit pins labelled with a
running index (``A0 A1 A2 A3`` or ``a[0]`` ...) form one bus ``a``. Unlabelled pins are
``in0, in1, ...`` / ``out0, ...`` top to bottom. Nets take the name of the input pin
bit, tunnel, gate label or output pin bit on them, in that order of preference (inner
names of a subcircuit instance get the prefix ``<instance>.``, the instance being its
label or ``<circuit><k>``); other gate outputs are named ``<kind>_<x>_<y>``. Constants
(also Power and Ground) become ``XOR(x, x)`` / ``XNOR(x, x)`` of the first input net,
since a carrylab netlist has no constant gate.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from itertools import product
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .checks import check_int, check_real
from .errors import (
    CarrylabRuntimeError,
    CarrylabTypeError,
    CircuitFileError,
)
from .logisim_geometry import classic_ports
from .logisim_reader import Reader
from .logisim_sheet import Labels, Sheet, draw_circuit, pin_label
from .netlist import Circuit
from .vectors import choose_vectors, expected_outputs
from .xml_files import parse_xml

__all__ = ["to_logisim", "logisim_test_vectors", "from_logisim", "find_logisim", "run_logisim",
           "SOURCE_VERSION"]


#: The ``source`` version written into exported files.
SOURCE_VERSION = "3.8.0"


_EXHAUSTIVE_BITS = 12          # vectors=None: every input vector up to this many input bits


_DEFAULT_RANDOM = 100          # ... else the corner cases plus this many random vectors


def _pick_vectors(circuit, vectors, seed) -> list[dict]:
    """Input vectors: None -> every vector when the inputs total at most 12 bits, else the
    corner cases plus 100 random ones; an int or a list as for :func:`adders.export.to_testbench`."""
    seed = check_int(seed, "seed")
    if vectors is None:
        bits = sum(len(n) for n in circuit.inputs.values())
        if bits <= _EXHAUSTIVE_BITS:
            out = []
            buses = list(circuit.inputs.items())
            for values in product(*[range(1 << len(nets)) for _, nets in reversed(buses)]):
                out.append({bus: v for (bus, _), v in zip(reversed(buses), values)})
            return out
        return choose_vectors(circuit, _DEFAULT_RANDOM, seed)
    return choose_vectors(circuit, vectors, seed)


def _harness(entries: list[tuple[Sheet, list[dict]]]) -> tuple[Sheet, list[tuple[int, int, str]]]:
    """A circuit ``check`` holding, for each (sheet, vectors), one instance of the sheet per
    vector, its inputs fed by constants and its outputs ending in output pins; plus a
    ``halt`` pin held at 1, which stops ``-tty`` after the first settled state.

    Returns the sheet and the output columns (entry, vector index, bus) in the order
    Logisim's ``-tty table`` prints them: by pin position, here one column top to bottom.
    """
    check = Sheet("check")
    check.comp(0, "Constant", (60, 40), {"facing": "east"})
    check.wire((60, 40), (100, 40))
    check.comp(0, "Pin", (100, 40), {"facing": "west", "output": "true", "tristate": "false",
                                     "label": "halt"})
    columns = []
    x, top = 300, 100
    for e, (sheet, vectors) in enumerate(entries):
        ports = classic_ports([(loc, facing, is_in) for loc, facing, is_in, *_ in sheet.pins])
        lowest, highest = max(dy for _, dy in ports), min(dy for _, dy in ports)
        outs = sorted((dy, bus) for (_, _, is_in, _, _, bus), (dx, dy) in zip(sheet.pins, ports) if not is_in)
        for k, vec in enumerate(vectors):
            y = top - highest
            check.comp(None, sheet.name, (x, y))
            for (_, _, is_in, _, width, bus), (dx, dy) in zip(sheet.pins, ports):
                if is_in:
                    check.comp(0, "Constant", (x + dx, y + dy), {"facing": "east", "width": width,
                                                                 "value": hex(vec[bus])})
                else:                     # every output port has dx == 0: one column of pins
                    check.comp(0, "Pin", (x + dx, y + dy), {"facing": "west", "output": "true",
                                                            "width": width, "tristate": "false"})
            columns += [(e, k, bus) for _, bus in outs]
            top = y + lowest + 30
    return check, columns


def _project(sheets: list[Sheet], main: str, comment: str) -> str:
    head = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
            f'<project source="{SOURCE_VERSION}" version="1.0">',
            f"  <!-- {comment.replace('--', '- -')} -->",               # '--' may not appear in a comment
            '  <lib desc="#Wiring" name="0"/>', '  <lib desc="#Gates" name="1"/>',
            f"  <main name={quoteattr(main)}/>"]
    return "\n".join(head + [s.xml() for s in sheets] + ["</project>"]) + "\n"


def _sheets(circuits: list, vecs: list | None):
    """(sheets, main circuit name, output columns) of circuits drawn side by side in one
    project and, given a list of vectors per circuit, their check."""
    names = Labels(["check"])
    drawn = [draw_circuit(c, names(str(k), c.name)) for k, c in enumerate(circuits)]
    if vecs is None:
        return drawn, drawn[0].name, None
    check, columns = _harness(list(zip(drawn, vecs)))
    return [check] + drawn, "check", columns


# ====================================================================== public: export
def to_logisim(circuit, vectors=None, seed: int = 0) -> str:
    """The circuit as a Logisim project (``.circ`` text).

    Parameters
    ----------
    circuit : Circuit
        Any width up to 64 bits per bus (Logisim 2.7.1 reads buses up to 32 bits).
    vectors : None, int or list of dict
        None: the project holds the circuit alone, as its main circuit. Otherwise a main
        circuit ``check`` is added with one instance of the circuit per vector, inputs
        from constants, outputs to output pins and a ``halt`` pin at 1, so that
        ``java -jar logisim.jar FILE -tty table`` prints every output on one line. An int
        is the number of random vectors added to the corner cases of
        :func:`adders.export.edge_vectors`; a list gives the vectors
        (``{"a": 3, "b": 5}``, missing buses at their defaults).
    seed : int
        Seed of the random vectors.

    Returns
    -------
    str
        XML text; write it to a ``.circ`` file.

    Raises
    ------
    NetlistError
        A malformed circuit.
    ValueError
        A bus wider than 64 bits, or bad vectors.

    Examples
    --------
    >>> from adders import build
    >>> text = to_logisim(build("ripple", 4))
    >>> '<comp lib="0" loc="(150,100)" name="Pin">' in text and 'val="g3"' in text
    True
    """
    vecs = None if vectors is None else [_pick_vectors(circuit, vectors, seed)]
    sheets, main, _ = _sheets([circuit], vecs)
    stats = circuit.stats()
    comment = (f"{circuit.name}: {stats['gates']} gates, depth {stats['depth']}; every gate pin is wired "
               f"to a tunnel named after its net")
    return _project(sheets, main, comment)


def logisim_test_vectors(circuit, vectors=None, seed: int = 0) -> str:
    """A Logisim-evolution test-vector file for the circuit exported by :func:`to_logisim`.

    The header names the pins with their widths (``A[8] B[8] Cin S[8] Cout``); each row
    gives one vector's inputs and expected outputs in binary, MSB first, as carrylab's
    simulator computes them. Load it with *Simulate > Test Vector*.

    Parameters
    ----------
    vectors : None, int or list of dict
        None: every input vector when the inputs total at most 12 bits, else the corner
        cases of :func:`adders.export.edge_vectors` plus 100 random vectors. An int: the
        corner cases plus that many random vectors. A list: those vectors.
    seed : int
        Seed of the random vectors.

    Examples
    --------
    >>> from adders import build
    >>> print(logisim_test_vectors(build("ripple", 2)).splitlines()[1])
    A[2] B[2] Cin S[2] Cout
    """
    circuit.validate()
    vecs = _pick_vectors(circuit, vectors, seed)
    expected = expected_outputs(circuit, vecs)
    pin_labels = Labels()
    cols = [(bus, len(nets), pin_labels(bus, pin_label(bus))) for bus, nets in
            list(circuit.inputs.items()) + list(circuit.outputs.items())]
    head = " ".join(label if w == 1 else f"{label}[{w}]" for _, w, label in cols)
    lines = [f"# {circuit.name}: {len(vecs)} vectors; inputs then expected outputs, binary, MSB first", head]
    for vec, out in zip(vecs, expected):
        values = {**vec, **out}
        lines.append(" ".join(format(values[bus], f"0{w}b") for bus, w, _ in cols))
    return "\n".join(lines) + "\n"


# ====================================================================== public: run Logisim
def find_logisim() -> Path | None:
    """Path of a Logisim jar: ``$LOGISIM_JAR``, Debian's ``/usr/share/logisim/logisim.jar``,
    or a ``logisim`` on the PATH that is itself a jar; None if there is none."""
    candidates = [os.environ.get("LOGISIM_JAR"), "/usr/share/logisim/logisim.jar"]
    found = shutil.which("logisim")
    if found:
        candidates.append(os.path.realpath(found))
    for cand in candidates:
        if cand and cand.endswith(".jar") and os.path.isfile(cand):
            return Path(cand)
    return None


def _parse_table(stdout: str, columns: list[tuple[int, int, str]], circuits, vecs) -> list[list[dict]]:
    """Outputs per circuit and vector from the one line ``-tty table`` prints: tab-separated
    values, bits MSB first in groups of four (``1 1010 0101``)."""
    rows = [line for line in stdout.splitlines() if line.strip()]
    if not rows:
        raise CarrylabRuntimeError("Logisim printed no table row; its output was empty")
    fields = rows[-1].split("\t")
    if len(fields) != len(columns):
        raise CarrylabRuntimeError(f"Logisim printed {len(fields)} values, expected {len(columns)} "
                                   f"(first line: {rows[0][:200]!r})")
    out = [[{} for _ in v] for v in vecs]
    for (e, k, bus), text in zip(columns, fields):
        bits = text.replace(" ", "")
        width = len(circuits[e].outputs[bus])
        if len(bits) != width or set(bits) - {"0", "1"}:
            raise CarrylabRuntimeError(f"Logisim gave {text!r} for output {bus!r} of circuit "
                                       f"{circuits[e].name!r}, vector {k}; expected {width} binary "
                                       f"digits (x: floating, E: error)")
        out[e][k][bus] = int(bits, 2)
    return out


def run_logisim(circuit, vectors=None, seed: int = 0, jar=None, java: str | None = None,
                timeout: float = 600.0):
    """Simulate circuits in Logisim itself, headless, on many vectors in one Java run.

    Writes the circuits and a ``check`` circuit (see :func:`to_logisim`) to a temporary
    file and runs ``java -Djava.awt.headless=true -jar JAR FILE -tty table``; Logisim
    prints the output pins of ``check``, which this function reads back. One run costs
    about a second of Java start-up plus Logisim's simulation of every copy.

    Parameters
    ----------
    circuit : Circuit or list of Circuit
        Several circuits share one run.
    vectors : None, int or list of dict
        As for :func:`logisim_test_vectors` (None: exhaustive when small), for each circuit.
    seed : int
        Seed of the random vectors.
    jar : str or Path, optional
        The Logisim jar; default :func:`find_logisim`.
    java : str, optional
        The java executable; default ``java`` on the PATH.
    timeout : float
        Seconds before giving up.

    Returns
    -------
    (vectors, outputs), or a list of them for a list of circuits
        The input vectors used and, for each, ``{output bus: int}`` as Logisim computed it.

    Raises
    ------
    CarrylabRuntimeError
        No java or jar found (install with ``apt-get install logisim``), Logisim failed,
        or its output could not be read.
    """
    single = isinstance(circuit, Circuit)
    circuits = [circuit] if single else list(circuit)
    if not circuits or not all(isinstance(c, Circuit) for c in circuits):
        raise CarrylabTypeError(f"circuit must be a Circuit or a non-empty list of them, got {circuit!r}")
    timeout = check_real(timeout, "timeout", 0.0, strict_min=True)
    jar = Path(jar) if jar is not None else find_logisim()
    java = java or shutil.which("java")
    if jar is None or not jar.is_file() or not java:
        raise CarrylabRuntimeError("Logisim needs java and a Logisim jar: install them with "
                                   "'apt-get install --no-install-recommends logisim' (Debian/Ubuntu) "
                                   "or set LOGISIM_JAR to a Logisim jar")
    vecs = [_pick_vectors(c, vectors, seed) for c in circuits]
    sheets, main, columns = _sheets(circuits, vecs)
    total = sum(len(v) for v in vecs)
    text = _project(sheets, main, f"check of {len(circuits)} circuit(s) on {total} vectors")
    with tempfile.TemporaryDirectory(prefix="carrylab-logisim-") as tmp:
        path = Path(tmp) / "check.circ"
        path.write_text(text)
        # Java's preferences go to the temporary folder, not to a home that may be read-only.
        cmd = [java, "-Djava.awt.headless=true", f"-Djava.util.prefs.userRoot={tmp}",
               f"-Djava.util.prefs.systemRoot={tmp}", "-jar", str(jar), str(path), "-tty", "table"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CarrylabRuntimeError(f"Logisim did not finish within {timeout} s on {total} "
                                       f"vectors") from None
        except OSError as err:
            raise CarrylabRuntimeError(f"cannot start {java!r}: {err.strerror or err}") from None
    if done.returncode != 0:
        raise CarrylabRuntimeError(f"Logisim exited with code {done.returncode}: "
                                   f"{(done.stderr or done.stdout).strip()[:400]}")
    results = list(zip(vecs, _parse_table(done.stdout, columns, circuits, vecs)))
    return results[0] if single else results


def _read_source(source) -> tuple[str, str]:
    """(XML text, name for messages) of a path or of the text itself."""
    if isinstance(source, bytes):
        return source.decode("utf-8", errors="replace"), "<text>"
    if isinstance(source, str) and source.lstrip().startswith("<"):
        return source, "<text>"
    if not isinstance(source, (str, os.PathLike)):
        raise CarrylabTypeError(f"from_logisim needs a path or the .circ text, got {type(source).__name__}")
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8", errors="replace"), str(path)
    except OSError as err:
        raise CircuitFileError(f"{path}: cannot read the file: {err.strerror or err}") from None


def from_logisim(source, circuit: str | None = None):
    """Read a circuit drawn in Logisim or Logisim-evolution into a carrylab Circuit.

    Reads gates (AND, OR, XOR, NOT, NAND, NOR, XNOR, Buffer, odd/even parity; any input
    count, facing, size, negated inputs, bit width), input and output pins of any width,
    splitters, constants, power and ground, tunnels, probes (ignored) and subcircuits,
    which are flattened. Wires join by Logisim's rule (module notes); see there also for
    how pins become buses and how nets are named.

    Parameters
    ----------
    source : str, bytes or Path
        A ``.circ`` path, or the XML text itself.
    circuit : str, optional
        Which circuit of the project; default the main one.

    Returns
    -------
    Circuit
        Validated.

    Raises
    ------
    CircuitFileError
        One line naming the file, circuit, component and its position: malformed XML,
        a missing circuit, an unsupported component, a dangling wire, an unconnected gate
        input, two outputs driving one net, an undriven net that is read, mixed widths.
    """
    text, where = _read_source(source)
    reader = Reader(parse_xml(text, where, "project", "a Logisim project"), where)
    if not reader.circuits:
        raise CircuitFileError(f"{where}: the project holds no <circuit>")
    if circuit is None:
        circuit = reader.main if reader.main in reader.circuits else next(iter(reader.circuits))
    elif circuit not in reader.circuits:
        raise CircuitFileError(f"{where}: no circuit named {circuit!r}; the project has "
                               f"{', '.join(repr(c) for c in reader.circuits)}")
    return reader.flatten(circuit)

"""The lab sheet docs/labs/draw_and_grade.md: its generated example reports, refreshed
by :func:`refresh_lab_sheet`."""
from __future__ import annotations

import re
from pathlib import Path

from adders.errors import CarrylabValueError

from .grade import grade_circuit

__all__ = ["lab_sheet_blocks", "refresh_lab_sheet", "LAB_SHEET"]


#: The lab sheet whose example reports :func:`refresh_lab_sheet` regenerates.
LAB_SHEET = Path(__file__).resolve().parents[2] / "docs" / "labs" / "draw_and_grade.md"


# ---------------------------------------------------------------------- the lab sheet
def _with_gate_kind(circuit, net: str, kind: str, name: str):
    """A copy of ``circuit`` with the gate driving ``net`` made a ``kind`` gate."""
    from adders import Circuit
    copy = Circuit(name)
    for bus, nets in circuit.inputs.items():
        copy.add_input(bus, len(nets), default=circuit.input_defaults.get(bus))
    for gate in circuit.gates():
        data = circuit.graph.nodes[gate]
        copy.add_gate(kind if gate == net else data["kind"], data["inputs"], gate)
    for bus, nets in circuit.outputs.items():
        copy.set_output(bus, nets)
    return copy


def lab_sheet_blocks() -> dict[str, str]:
    """``{marker: text}`` of the generated blocks of :data:`LAB_SHEET`: ``report`` (a
    correct ripple-carry 4-bit adder) and ``broken`` (the same with gate t1 an OR)."""
    from adders import build
    ripple = build("ripple", 4)
    broken = _with_gate_kind(ripple, "t1", "OR", "ripple_4_t1_or")
    return {"report": grade_circuit(ripple, bits=4).text(),
            "broken": grade_circuit(broken, bits=4).text()}


_BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def refresh_lab_sheet(path=LAB_SHEET) -> list[str]:
    """Rewrite the generated blocks (``<!-- generated: NAME -->`` ... ``<!-- end generated
    -->``, the markers of docs/teaching.md) of the lab sheet with fresh reports; return the
    names of the blocks that changed.

    Raises
    ------
    CarrylabValueError
        A block is missing from the sheet, or the sheet names an unknown block.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    blocks = lab_sheet_blocks()
    found = [m.group(2) for m in _BLOCK.finditer(text)]
    unknown = [b for b in found if b not in blocks]
    missing = [b for b in blocks if b not in found]
    if unknown or missing:
        raise CarrylabValueError(f"{path}: generated blocks {found}, expected {list(blocks)} "
                                 f"(each as '<!-- generated: NAME -->' ... '<!-- end generated -->')")
    changed = []

    def fill(m):
        body = f"```text\n{blocks[m.group(2)]}\n```\n"
        if body != m.group(3):
            changed.append(m.group(2))
        return m.group(1) + body + m.group(4)

    new = _BLOCK.sub(fill, text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return changed

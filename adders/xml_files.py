"""The XML of another tool's circuit file, parsed with one clear line per problem.

Shared by the Logisim (``.circ``) and Digital (``.dig``) readers:

>>> parse_xml("<project/>", "<text>", "project", "a Logisim project").tag
'project'
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from .errors import CircuitFileError

__all__ = ["parse_xml"]


def parse_xml(text: str, shown: str, root_tag: str, what: str) -> ET.Element:
    """The root element of ``text``, which must be ``<root_tag>``.

    ``shown`` names the file in messages, ``what`` the kind of file expected (e.g. "a
    Digital circuit"). Raises :class:`CircuitFileError` for malformed XML or another root.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        raise CircuitFileError(f"{shown}: malformed XML: {err}") from None
    if root.tag != root_tag:
        raise CircuitFileError(f"{shown}: not {what}: the root element is <{root.tag}>, "
                               f"not <{root_tag}>")
    return root

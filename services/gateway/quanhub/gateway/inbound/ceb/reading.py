"""A CEB request body read into messages and documents, by defusedxml. Pure: no I/O.

The XML comes from outside, so it is parsed by defusedxml with DTDs, entity declarations
and external references all refused: a DOCTYPE (and with it every entity bomb and
`SYSTEM "file:///..."` reference) ends the read before anything is expanded or fetched.

A body is one CEB message (`<ceb:CEBnnnMessage>`) or a batch: a `<CEBBatch>` element (no
namespace) whose children are CEB messages, so that a sender can wrap the messages it
already produces without changing them (their own XML declarations removed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import ParseError, fromstring

from quanhub.gateway.errors import BatchRejected, MalformedBody
from quanhub.gateway.inbound.ceb.messages import CEB_NAMESPACE, MESSAGES

if TYPE_CHECKING:  # the type only: parsing is defusedxml's
    from xml.etree.ElementTree import Element

__all__ = ["BATCH_ELEMENT", "CebDocument", "CebMessage", "read_messages"]

#: The root element of a batch of CEB messages (in no namespace).
BATCH_ELEMENT = "CEBBatch"
_SUFFIX = "Message"


@dataclass(frozen=True, slots=True)
class CebDocument:
    """One document of a message: its fields by local name, and its goods lines."""

    fields: dict[str, str]
    lines: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CebMessage:
    """One CEB message: its type (e.g. CEB621), its `guid` attribute and its documents."""

    message_type: str
    guid: str
    documents: list[CebDocument]


def _split(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag `{ns}local`."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _leaves(element: Element) -> dict[str, str]:
    """The text of each simple child by local name (a repeated one: its first value)."""
    found: dict[str, str] = {}
    for child in element:
        if len(child) == 0:
            found.setdefault(_split(child.tag)[1], (child.text or "").strip())
    return found


def _document(element: Element) -> CebDocument:
    fields = _leaves(element)
    lines: list[dict[str, str]] = []
    for child in element:
        if len(child) == 0:
            continue
        if _split(child.tag)[1].endswith("Head"):
            for name, value in _leaves(child).items():
                fields.setdefault(name, value)
        else:
            lines.append(_leaves(child))
    return CebDocument(fields, lines)


def _message(element: Element) -> CebMessage:
    namespace, local = _split(element.tag)
    message_type = local.removesuffix(_SUFFIX)
    kind = MESSAGES.get(message_type) if local.endswith(_SUFFIX) else None
    if namespace != CEB_NAMESPACE or kind is None:
        shown = f"{{{namespace}}}{local}" if namespace else local
        msg = (
            f"{shown[:120]} is not a CEB message the hub reads: one of "
            f"{', '.join(sorted(MESSAGES))} in namespace {CEB_NAMESPACE}, or a {BATCH_ELEMENT}"
        )
        raise BatchRejected(msg, code="unknown_message_type")
    documents = [
        _document(child) for child in element if _split(child.tag)[1] == kind.document_element
    ]
    return CebMessage(message_type, (element.get("guid") or "").strip(), documents)


def read_messages(body: bytes) -> list[CebMessage]:
    """The body's CEB messages, in order.

    Raises MalformedBody (`xml_forbidden` for a DTD, entity or external reference;
    `malformed_xml` for anything else that is not well-formed XML) and BatchRejected
    (`unknown_message_type`) for a root or batch child that is no CEB message the hub reads.
    """
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        what = type(exc).__name__.removesuffix("Forbidden")
        msg = (
            f"the XML declares a {what}: DOCTYPEs, entities and external references are "
            "refused (a CEB message needs none)"
        )
        raise MalformedBody(msg, code="xml_forbidden") from None
    except ParseError as exc:
        raise MalformedBody(
            f"the body is not well-formed XML ({exc})", code="malformed_xml"
        ) from None
    if root.tag == BATCH_ELEMENT:
        return [_message(child) for child in root]
    return [_message(root)]

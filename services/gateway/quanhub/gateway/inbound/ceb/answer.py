"""The JSON answer to a CEB submission: per message, each document accepted or not."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from quanhub.gateway.admission import Admission
from quanhub.gateway.inbound.ceb.mapping import event_id
from quanhub.gateway.inbound.ceb.reading import CebMessage

__all__ = ["CebAnswer", "summary"]


class CebDocumentResult(BaseModel):
    """One document of a message: accepted, or why not."""

    model_config = ConfigDict(populate_by_name=True)

    index: int = Field(description="Position of the document in the request, from 0.")
    guid: str = Field(description="The document's own guid.")
    event_id: str = Field(alias="eventId", description="The customs event it became.")
    accepted: bool
    code: str = Field("", description="Why it was rejected, e.g. missing_field.")
    message: str = ""


class CebMessageResult(BaseModel):
    """One CEB message of the request."""

    model_config = ConfigDict(populate_by_name=True)

    message_type: str = Field(alias="messageType", description="e.g. CEB621")
    guid: str = Field(description="The message's guid attribute.")
    documents: list[CebDocumentResult]


class CebAnswer(BaseModel):
    """What was published: counts, and each message's documents."""

    accepted: int = Field(description="Documents durably written (acknowledged by Kafka).")
    rejected: int = Field(description="Documents refused (their reasons under messages).")
    messages: list[CebMessageResult]


def summary(messages: list[CebMessage], admission: Admission) -> dict[str, Any]:
    """The answer's body (CebAnswer's JSON), documents indexed as the request's events."""
    refused = {r.index: r for r in admission.rejected}
    index = 0
    results: list[dict[str, Any]] = []
    for message in messages:
        documents: list[dict[str, Any]] = []
        for document in message.documents:
            rejection = refused.get(index)
            documents.append(
                {
                    "index": index,
                    "guid": document.fields.get("guid", ""),
                    "eventId": event_id(message.message_type, document),
                    "accepted": rejection is None,
                    "code": rejection.code if rejection else "",
                    "message": rejection.message if rejection else "",
                }
            )
            index += 1
        results.append(
            {"messageType": message.message_type, "guid": message.guid, "documents": documents}
        )
    return {
        "accepted": index - len(refused),
        "rejected": len(refused),
        "messages": results,
    }

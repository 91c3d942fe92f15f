"""The read layer's field names are the response models' (read/ never imports api/)."""

from __future__ import annotations

import dataclasses

from quanhub.ledger.api import schemas
from quanhub.ledger.read import convert, documents


def test_the_read_layer_names_the_response_models_fields() -> None:
    assert tuple(schemas.ParcelSummary.model_fields) == convert.PARCEL_FIELDS
    declaration = tuple(name for name in schemas.DeclarationSummary.model_fields if name != "id")
    assert declaration == convert.DECLARATION_COLUMNS
    assert tuple(schemas.PartyView.model_fields) == convert.PARTY_FIELDS
    assert tuple(schemas.Receipt.model_fields) == convert.RECEIPT_FIELDS


def test_the_match_s_answer_has_the_response_model_s_fields() -> None:
    pairs = (
        (documents.ThreeDocumentCheck, schemas.ThreeDocumentCheck),
        (documents.DocumentState, schemas.DocumentState),
        (documents.Filing, schemas.Filing),
        (documents.Check, schemas.Check),
    )
    for plain, model in pairs:
        assert [f.name for f in dataclasses.fields(plain)] == list(model.model_fields)

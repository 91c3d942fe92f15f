"""Every valid event passes the hub's validation; every malformed one fails it; the personal
data is plausible (valid ID check characters, mobile numbers)."""

from __future__ import annotations

import re
from datetime import datetime

from quanhub.common.canonical import customs_message
from quanhub.common.validation import validate_event
from quanhub.simulator.generator import Simulation
from quanhub.simulator.model import Anomaly
from quanhub.simulator.people import id_check_char, id_number_valid


def test_every_valid_event_passes_validation(busy_run: Simulation, judged_at: datetime) -> None:
    failures = [
        (step.event_id, [str(v) for v in validate_event(event, judged_at)])
        for step, event in busy_run.encoded()
        if step.anomaly is not Anomaly.MALFORMED and validate_event(event, judged_at)
    ]
    assert failures == []


def test_every_malformed_event_fails_validation(busy_run: Simulation, judged_at: datetime) -> None:
    malformed = [(s, e) for s, e in busy_run.encoded() if s.anomaly is Anomaly.MALFORMED]
    assert len({s.defect for s, _ in malformed}) >= 10  # most defects show up
    passed = [s.defect for s, e in malformed if not validate_event(e, judged_at)]
    assert passed == []


def test_all_kinds_and_message_types_are_present(busy_run: Simulation) -> None:
    kinds = {e.WhichOneof("body") for _, e in busy_run.encoded()}
    assert kinds == {"order", "parcel", "customs"}
    types = {
        e.customs.message_type
        for s, e in busy_run.encoded()
        if e.HasField("customs") and s.anomaly is not Anomaly.MALFORMED
    }
    assert {"CEB311", "CEB312", "CEB411", "CEB412", "CEB511", "CEB512", "CEB621", "CEB622"} <= types
    assert all(customs_message(t) is not None for t in types)
    statuses = {e.customs.return_status for _, e in busy_run.encoded() if e.HasField("customs")}
    assert {"2", "3", "100", "120", "399", "500", "800", "899"} <= statuses
    assert statuses & {"501", "502", "503", "599"}


def test_personal_data_is_plausible(busy_run: Simulation) -> None:
    ids, phones = set(), set()
    for _, event in busy_run.encoded():
        for person in (event.order.buyer, event.order.payer, event.customs.buyer):
            if person.id_number:
                ids.add(person.id_number)
                phones.add(person.telephone)
    assert len(ids) > 300
    assert all(id_number_valid(i) for i in ids)
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)


def test_id_check_character_matches_the_standard_example() -> None:
    # GB 11643-1999 worked example: 11010519491231002X.
    assert id_check_char("11010519491231002") == "X"
    assert id_number_valid("11010519491231002X")
    assert not id_number_valid("110105194912310021")

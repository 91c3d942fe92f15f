"""Receive the hub's signed webhook deliveries (standard library only).

    QUANHUB_WEBHOOK_SECRET=whsec_... python webhook_receiver.py --port 9000

`Quanhub-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`: verify the raw
bytes in constant time, refuse a timestamp more than 5 minutes off (replays), accept any
matching v1 (two while a secret rotates). Answer 2xx to acknowledge; anything else makes
the hub retry the same batch later under the same Quanhub-Delivery-Id.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

TOLERANCE_SECONDS = 300


def verify(
    secret: str, header: str, body: bytes, now: float, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """Whether `header` signs `body` with `secret` within `tolerance` seconds of `now`."""
    parts = [p.strip().partition("=") for p in header.split(",")]
    stamps = [v for k, _, v in parts if k == "t" and v.isdigit()]
    candidates = [v for k, _, v in parts if k == "v1"]
    if not stamps or not candidates or abs(now - int(stamps[0])) > tolerance:
        return False
    signed = stamps[0].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, c) for c in candidates)


class Receiver(BaseHTTPRequestHandler):
    """Verifies each delivery, then hands its events to `handle`."""

    secret = ""

    def do_POST(self) -> None:
        """One delivery: 401 on a bad signature, 204 once handled."""
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not verify(self.secret, self.headers.get("Quanhub-Signature", ""), body, time.time()):
            self.send_response(401)
            self.end_headers()
            return
        delivery = json.loads(body)
        for event in delivery["events"]:
            handle(event)
        self.send_response(204)
        self.end_headers()


def handle(event: dict) -> None:
    """Your code: events arrive in seq order; deduplicate on event_id if you must."""
    sys.stdout.write(f"{event.get('seq')} {event.get('kind')} {event.get('status')}\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9000)
    Receiver.secret = os.environ["QUANHUB_WEBHOOK_SECRET"]
    HTTPServer(("0.0.0.0", parser.parse_args().port), Receiver).serve_forever()  # noqa: S104

"""`python -m quanhub.bench.parse_only --port N`: the parse-only baseline endpoint.

POST /v1/events reads the body, parses the PublishRequest (protobuf) and answers 202 with
the count: what FastAPI + uvicorn + protobuf cost on this machine before the gateway does
any work of its own (keys, validation, tokenising, Kafka).
"""

from __future__ import annotations

import argparse

import orjson
import uvicorn
from fastapi import FastAPI, Request, Response

from quanhub.ingest.v1 import ingest_pb2


def create_app() -> FastAPI:
    """The one-route app."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/v1/events", status_code=202)
    async def events(request: Request) -> Response:
        """Parse the request and count its events; nothing else."""
        parsed = ingest_pb2.PublishRequest.FromString(await request.body())
        body = orjson.dumps({"accepted": len(parsed.events)})
        return Response(body, status_code=202, media_type="application/json")

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        """Always ready."""
        return {"status": "ready"}

    return app


def main() -> None:
    """Serve on 127.0.0.1:<port>, with the gateway's uvicorn options."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()

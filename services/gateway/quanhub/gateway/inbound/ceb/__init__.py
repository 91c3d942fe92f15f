"""China customs cross-border messages (CEB XML): reading, mapping to customs events, route."""

from quanhub.gateway.inbound.ceb.routes import router

__all__ = ["router"]

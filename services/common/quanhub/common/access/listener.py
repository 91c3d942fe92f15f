"""Tells a process's key cache when the registry changes: LISTEN on `quanhub_access`.

A trigger on `partners` and `api_keys` (migration 0020) announces every change at commit,
whoever makes it (the CLI, another process, an operator's SQL). Each process that caches
keys (each gateway worker, the ledger API) holds one connection listening for it, and drops
its cache on each announcement; the announcement carries nothing, the next request asks the
registry itself. Whatever else in the process must hear the changes (the ledger API's open
SSE streams re-authorise on them) is added to the same listener (`add`), not given a second
connection.

A lost notification must not leave a stale grant for the cache's whole lifetime, so the
cache is told when the listener is up and when it is not (`set_listening`): while it is
down the cache trusts a verdict for its short fallback lifetime only. The connection, its
pings and its reconnection are quanhub.common.listen's.
"""

from __future__ import annotations

from typing import Protocol

from quanhub.common.listen import ChannelListener

#: The channel migration 0020's trigger announces registry changes on.
ACCESS_CHANNEL = "quanhub_access"


class AccessCache(Protocol):
    """What the listener drives: the Authenticator, the feeds' re-authorisation wake-up."""

    def forget(self) -> None: ...

    def set_listening(self, listening: bool) -> None: ...


class AccessListener(ChannelListener):
    """One LISTEN connection that keeps `cache` (and any `add`ed) in step with the registry."""

    def __init__(self, dsn: str, cache: AccessCache, **timing: float) -> None:
        """`timing`: ChannelListener's backoff and ping bounds."""
        super().__init__(
            dsn,
            ACCESS_CHANNEL,
            on_notify=self._changed,
            on_state=self._tell,
            name="access",
            **timing,
        )
        self._caches: list[AccessCache] = [cache]
        self._changes = 0

    @property
    def changes(self) -> int:
        """Announcements heard since start."""
        return self._changes

    def add(self, cache: AccessCache) -> None:
        """Drive `cache` too, from now on; it is told at once whether changes are heard."""
        self._caches.append(cache)
        cache.set_listening(self.connected)

    def _changed(self, _payload: str) -> None:
        self._changes += 1
        for cache in self._caches:
            cache.forget()

    def _tell(self, listening: bool) -> None:
        for cache in self._caches:
            cache.set_listening(listening)

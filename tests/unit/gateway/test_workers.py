"""The gateway supervisor's restart pause: at once after a long life, doubling while a
worker keeps dying young, capped."""

from __future__ import annotations

import socket

from quanhub.gateway.workers import (
    RESTART_FIRST_SECONDS,
    RESTART_MAX_SECONDS,
    RESTART_QUICK_SECONDS,
    listening_socket,
    restart_pause,
)


def test_a_worker_that_ran_a_while_restarts_at_once() -> None:
    assert restart_pause(8.0, lived=RESTART_QUICK_SECONDS) == 0.0


def test_a_worker_that_keeps_dying_young_waits_longer_each_time_up_to_the_cap() -> None:
    pauses = [0.0]
    for _ in range(12):
        pauses.append(restart_pause(pauses[-1], lived=0.2))
    assert pauses[1] == RESTART_FIRST_SECONDS
    assert pauses[2] == 2 * RESTART_FIRST_SECONDS
    assert pauses[-1] == RESTART_MAX_SECONDS
    assert pauses == sorted(pauses)


def test_two_listening_sockets_share_one_port() -> None:
    first = listening_socket("127.0.0.1", 0)
    try:
        port = first.getsockname()[1]
        second = listening_socket("127.0.0.1", port)
        try:
            assert second.getsockname()[1] == port
            assert second.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        finally:
            second.close()
    finally:
        first.close()

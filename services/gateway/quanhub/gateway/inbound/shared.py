"""What every push format's mapping shares: the refusal, field text, China time. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = [
    "CHINA",
    "MAX_DESCRIPTION",
    "MAX_LOCATION",
    "PushRefused",
    "china_time",
    "text",
]

#: Chinese trackers write local times without an offset ("yyyy-MM-dd HH:mm:ss"): China time.
CHINA = timezone(timedelta(hours=8))
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_DESCRIPTION = 1024
MAX_LOCATION = 256


class PushRefused(Exception):
    """The push is not one the hub may read: `code` says why, `status` is its HTTP answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def text(item: Mapping[str, Any], name: str) -> str:
    """The field as stripped text ("" when absent; numbers as their JSON text)."""
    value = item.get(name)
    return value.strip() if isinstance(value, str) else str(value) if value is not None else ""


def china_time(value: str) -> datetime | None:
    """A "yyyy-MM-dd HH:mm:ss" China time, aware; None when it is not one."""
    try:
        return datetime.strptime(value, _TIME_FORMAT).replace(tzinfo=CHINA)
    except ValueError:
        return None

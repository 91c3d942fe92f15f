"""The connection type feed code accepts: a plain asyncpg connection or one from a pool."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg
from asyncpg import Record
from asyncpg.pool import PoolConnectionProxy

Conn: TypeAlias = "asyncpg.Connection[Record] | PoolConnectionProxy[Record]"

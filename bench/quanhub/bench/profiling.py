"""py-spy flame graphs of running services (`python -m quanhub.bench run --profile`)."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path


def _py_spy(folder: Path) -> str | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    return spy


async def record(pids: dict[str, int], seconds: float, folder: Path, stamp: str) -> list[Path]:
    """`py-spy record` every pid for `seconds` at once; returns the SVGs written.

    py-spy's defaults: 100 samples/s, running threads only (not those waiting on I/O).
    """
    spy = _py_spy(folder)
    if spy is None:
        return []
    outputs = {name: folder / f"{stamp}-{name}.svg" for name in pids}
    processes = [
        await asyncio.create_subprocess_exec(
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--output",
            str(outputs[name]),
            "--nonblocking",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]
    await asyncio.gather(*(p.wait() for p in processes))
    return [path for path in outputs.values() if path.exists()]

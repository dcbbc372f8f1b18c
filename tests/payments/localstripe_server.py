"""localstripe served in-process on 127.0.0.1 (a stateful fake Stripe server from PyPI).

As a command it binds every interface and pickles its state to one shared file after every
write (TESTING-NOTES.md), so tests run its aiohttp app on a background event loop instead,
with the pickling switched off.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LocalStripe:
    def __init__(self) -> None:
        import localstripe.resources
        from localstripe import server

        localstripe.resources.Store.dump_to_disk = lambda *args, **kwargs: None
        self._app: Any = server.app
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._runner: Any = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> None:
        from aiohttp import web

        self._thread.start()

        async def serve() -> None:
            self._runner = web.AppRunner(self._app)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

        asyncio.run_coroutine_threadsafe(serve(), self._loop).result(timeout=10)

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

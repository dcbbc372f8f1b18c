"""A small threaded TCP proxy on loopback that can cut the link on demand.

It stands between the app and PostgreSQL in the fault tests: ``blackhole()`` keeps every
connection open but forwards nothing (a hung server or a cut link: the client waits),
``refuse()`` closes the listener and every connection (a server that is down),
``forward()`` restores the link for new connections.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.flowing = threading.Event()
        self.flowing.set()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.port = 0
        self._listener: socket.socket | None = None

    def start(self) -> TcpProxy:
        self._listen()
        return self

    def blackhole(self) -> None:
        self.flowing.clear()

    def refuse(self) -> None:
        self.flowing.clear()
        self._close_all()

    def forward(self) -> None:
        """Forward again; a refused listener listens again on the same port."""
        self._close_all(keep_listener=True)
        if self._listener is None:
            self._listen()
        self.flowing.set()

    def stop(self) -> None:
        self._close_all()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if self.flowing.is_set():
                    target.sendall(data)
                # else: dropped on the floor, like a cut link
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def _close_all(self, *, keep_listener: bool = False) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        if not keep_listener and self._listener is not None:
            sockets.append(self._listener)
            self._listener = None
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

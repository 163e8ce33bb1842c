"""A small TCP proxy that stands between the platform and PostgreSQL so a test can take "the
database server" down and bring it back without touching the real server.

`stop()` closes the listening socket and cuts every live connection in both directions, as a
server that went away would; `start()` listens again on the same port. `cut_when_sent(marker)`
arms a trip wire: the first client packet that contains `marker` (e.g. b"COMMIT") is not
forwarded, and the proxy stops at that moment, so a write is interrupted at a chosen point."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time


class TcpProxy:
    def __init__(self, *, upstream: tuple[str, int], port: int = 0) -> None:
        self.upstream = upstream
        self.port = port
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._accepting: threading.Thread | None = None
        self._marker: bytes | None = None
        self.tripped = threading.Event()
        self.tripped_at = 0.0

    # --- control ----------------------------------------------------------------------------

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self.tripped.clear()
        self._accepting = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._accepting.start()

    def stop(self) -> None:
        """The server goes down: no new connection is accepted, live ones are reset."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            for sock in (client, server):
                _reset(sock)
        if self._accepting is not None:
            self._accepting.join(timeout=2)

    def cut_when_sent(self, marker: bytes) -> None:
        self._marker = marker

    @property
    def live_connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    # --- plumbing -----------------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    _reset(client)
                    _reset(server)
                    return
                self._pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _ in selector.select(timeout=0.5):
                    source = key.fileobj
                    assert isinstance(source, socket.socket)
                    target: socket.socket = key.data
                    data = source.recv(65536)
                    if not data:
                        return
                    marker = self._marker
                    if source is client and marker is not None and marker in data:
                        self._marker = None
                        self.tripped_at = time.monotonic()
                        self.tripped.set()
                        threading.Thread(target=self.stop, daemon=True).start()
                        return
                    target.sendall(data)
                with self._lock:
                    if (client, server) not in self._pairs:
                        return
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            with self._lock:
                if (client, server) in self._pairs:
                    self._pairs.remove((client, server))
            _reset(client)
            _reset(server)


def _reset(sock: socket.socket) -> None:
    """Close with RST rather than FIN: the peer sees the connection die, not end politely."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    with contextlib.suppress(OSError):
        sock.close()

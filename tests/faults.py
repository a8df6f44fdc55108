"""A TCP proxy that tests put in front of a real server (Redis, PostgreSQL) to break it.

Modes, switched at any time with `proxy.mode = ...`:
- "pass": bytes flow both ways, the server works as usual;
- "refuse": the port is closed and open connections are cut, as when the server is down;
- "blackhole": connections are accepted and bytes taken, but nothing ever comes back, as in
  a network partition (the case that hangs clients without timeouts).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

MODES = ("pass", "refuse", "blackhole")


class TcpProxy:
    """A proxy on 127.0.0.1 in front of host:port; use as a context manager."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = 0
        self._mode = "pass"
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()

    # --- life cycle -------------------------------------------------------------------------

    def __enter__(self) -> TcpProxy:
        self._listen()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop listening and cut every connection."""
        self._stop_listening()
        self._cut_all()

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        assert mode in MODES, mode
        with self._lock:
            previous, self._mode = self._mode, mode
        if mode == previous:
            return
        if mode == "refuse":
            self._stop_listening()
            self._cut_all()
        elif previous == "refuse":
            self._listen()
        # "blackhole": connections made before the partition stall too (see _pipe).

    def url(self, url: str) -> str:
        """`url` (redis://…, postgresql://…) with its host and port replaced by this proxy's."""
        parts = urlsplit(url)
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    # --- internals --------------------------------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))  # the same port again after "refuse"
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _stop_listening(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _cut_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return  # the listener was closed
            self._track(client)
            if self._mode == "blackhole":
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            self._track(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _swallow(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while sock.recv(65536):
                pass

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if self._mode == "pass":
                    sink.sendall(data)
                # blackhole: taken and dropped, so the other side waits for ever
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

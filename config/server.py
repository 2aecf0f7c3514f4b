"""daphne as Homeslot runs it: ``python -m config.server [daphne's options] config.asgi:application``.

The same command line as ``daphne``, with one deadline daphne lacks: the head of a request (the request
line and headers, a WebSocket upgrade's included) must arrive within ``HOMESLOT_REQUEST_HEAD_SECONDS``
(default 10) of its first line. Twisted only times out a connection that is silent for 60 s, so a
client sending a header byte every 50 s held its connection — a socket half-open before the WebSocket
handshake, where neither daphne's ``--websocket_connect_timeout`` (from the upgrade to ``accept``) nor
the consumer's 10 s auth deadline (after ``accept``) reaches. A body may take its time (a photo over a
slow phone network): only the head is timed. Behind a proxy the proxy's own header timeout also applies.
"""

import os
import sys
import time

from daphne.cli import CommandLineInterface
from daphne.http_protocol import WebRequest
from daphne.server import Server as DaphneServer


class Server(DaphneServer):
    request_head_seconds = float(os.environ.get("HOMESLOT_REQUEST_HEAD_SECONDS", "10"))

    def timeout_checker(self):
        """Runs every 2 s (daphne's own timeouts run here too)."""
        self._abort_slow_request_heads(time.time())
        super().timeout_checker()

    def _abort_slow_request_heads(self, now: float) -> None:
        for protocol, details in list(self.connections.items()):
            if (
                isinstance(protocol, WebRequest)
                and "disconnected" not in details
                and not _head_received(protocol)
                and now - details["connected"] > self.request_head_seconds
                and protocol.channel is not None
                and protocol.channel.transport is not None
            ):
                protocol.channel.transport.abortConnection()


def _head_received(request: WebRequest) -> bool:
    # Twisted creates the request at its first line, gives it a body file once the headers are in
    # (``gotLength``), and daphne stamps ``request_start`` when the whole request is in.
    return "content" in vars(request) or hasattr(request, "request_start")


def main(argv: list[str] | None = None) -> None:
    cli = CommandLineInterface()
    cli.server_class = Server
    cli.run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()

"""HTTP under daphne as a WSGI server runs Django: each request whole on one of a few threads.

Django's own ASGI handler runs the middleware chain in async mode. Our views are sync, so every
request costs a chain of thread hand-offs: each ``MiddlewareMixin`` middleware's ``process_request``
and ``process_response`` are ``sync_to_async`` calls, so are the request-started signal, the view
and the response's close, and each request gets a new thread (``ThreadSensitiveContext``) with a
new cache client, so a new Redis connection. Measured on this project (docs/PERFORMANCE.md,
issue 15): ~10 ms of CPU for a trivial authenticated view at one client, falling from 82 to 37
requests/s at 64, where a thread hand-off is the dearest thing on the machine.

Here the chain is loaded in sync mode and a request makes one hop: daphne's loop reads the body,
one of ``HOMESLOT_HTTP_THREADS`` threads (default 8) runs signals, middleware, view and rendering
exactly as under WSGI, and the loop sends the answer. The threads are long-lived, so what Django
keeps per thread (the database connection between statements, the cache clients, the active
language) is kept as under a WSGI server's threads, and is reset per request by the same signals.
A streaming answer (a CSV or XLSX export, a photo) is read on its request's thread — the cursor
of a ``COPY`` lives there — and each part is handed to the loop as it comes, never held whole; an
async one (the exports') runs its reads on that thread too.

WebSockets are not touched: Channels serves them on the same loop (``config/asgi.py``).
"""

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix

logger = logging.getLogger("django.request")

THREADS = int(os.environ.get("HOMESLOT_HTTP_THREADS", "8"))


class ThreadedHTTP(ASGIHandler):
    """An ASGI application for HTTP that runs Django's sync handler, one thread hop per request."""

    def __init__(self, threads: int = THREADS):
        base.BaseHandler.__init__(self)  # not ASGIHandler's: that loads the chain in async mode
        self.load_middleware(is_async=False)
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP here, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        loop = asyncio.get_running_loop()
        # run_in_executor, not sync_to_async: the thread keeps its own context (Django's
        # per-thread connections and cache clients live on), and nothing waits on a shared thread.
        answer = await loop.run_in_executor(self.executor, self._respond, scope, body_file, send, loop)
        if answer is not None:
            start, body = answer
            await send(start)
            await send({"type": "http.response.body", "body": body})

    def _respond(self, scope, body_file, send, loop):
        """On a handler thread: the request from start to close. A plain answer is returned for
        the loop to send; a streaming one is sent from here, part by part."""
        try:
            set_script_prefix(get_script_prefix(scope))
            signals.request_started.send(sender=self.__class__, scope=scope)
            request, response = self.create_request(scope, body_file)
            if request is not None:
                response = self.get_response(request)
                response._handler_class = self.__class__
            try:
                start = _start_message(response)
                if not response.streaming:
                    return start, response.content
                if isinstance(response, FileResponse):
                    response.block_size = self.chunk_size
                _stream(response, start, send, loop)
                return None
            finally:
                response.close()  # request_finished: the connection goes back to the pool
        finally:
            body_file.close()


def _start_message(response) -> dict:
    headers = []
    for header, value in response.items():
        headers.append((header.encode("ascii"), value.encode("latin1") if isinstance(value, str) else value))
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.output(header="").encode("ascii").strip()))
    return {"type": "http.response.start", "status": response.status_code, "headers": headers}


def _stream(response, start: dict, send, loop) -> None:
    if response.is_async:
        # An async iterator (the ledger's exports) whose reads hop back to the request's thread
        # (``sync_to_async(thread_sensitive=True)``): run it under ``async_to_sync`` from this thread,
        # so those hops land here, on the request's database connection. Django's own
        # ``StreamingHttpResponse.__iter__`` would first read it whole into memory.
        async_to_sync(_stream_async)(response, start, send, loop)
        return

    def out(message: dict) -> None:
        asyncio.run_coroutine_threadsafe(send(message), loop).result()

    out(start)
    try:
        for part in response:
            for chunk, _last in ASGIHandler.chunk_bytes(part):
                out({"type": "http.response.body", "body": chunk, "more_body": True})
    except Exception:  # the head is out: all that is left is to end the body early
        logger.exception("streaming %s failed", response)
    out({"type": "http.response.body"})


async def _stream_async(response, start: dict, send, loop) -> None:
    async def out(message: dict) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(send(message), loop))

    await out(start)
    try:
        async for part in response:
            for chunk, _last in ASGIHandler.chunk_bytes(part):
                await out({"type": "http.response.body", "body": chunk, "more_body": True})
    except Exception:  # the head is out: all that is left is to end the body early
        logger.exception("streaming %s failed", response)
    await out({"type": "http.response.body"})

"""Real threads released at once, each on its own database connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connections


def at_once(count: int, action) -> list:
    """Run ``action(i)`` in ``count`` threads released together; return their results in order."""
    barrier = threading.Barrier(count)

    def run(i):
        try:
            barrier.wait(timeout=30)
            return action(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))

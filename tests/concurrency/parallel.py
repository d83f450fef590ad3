"""Run callables at the same moment in threads, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

THREAD_TIMEOUT = 30  # seconds; a deadlock or a lost wake-up fails the test instead of hanging it


def run_in_parallel(*jobs: Callable[[], object]) -> list[object]:
    """Start every job at the same moment, each in its own thread (and so its own connection).

    Returns, per job, what it returned or the exception it raised.
    """
    barrier = threading.Barrier(len(jobs))
    outcomes: list[object] = [None] * len(jobs)

    def worker(n: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=THREAD_TIMEOUT)
            outcomes[n] = job()
        except Exception as exc:  # handed back to the test, which judges it
            outcomes[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=THREAD_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a posting thread did not finish"
    return outcomes

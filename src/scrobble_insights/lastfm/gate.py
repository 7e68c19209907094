"""A queue of coroutines waiting for a condition on the API client's counters (see lastfm.client)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable


class Gate:
    """Coroutines waiting, oldest first, for a condition on the client's counters to hold.

    Whoever changes the counters calls `wake`; a woken waiter checks its condition again (and queues
    again when another call got there first). No lock: between two awaits nothing else runs.
    """

    def __init__(self) -> None:
        self._waiters: deque[asyncio.Future] = deque()

    async def wait_until(self, ready: Callable[[], bool], *, first: bool = False) -> None:
        """Return when `ready()`: at once if nobody waits (or with `first`), else in turn, `first`
        going ahead of those already waiting."""
        if (first or not self._waiters) and ready():
            return
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._waiters.appendleft(waiter) if first else self._waiters.append(waiter)
        try:
            while True:
                await waiter
                if ready():
                    return
                waiter = loop.create_future()     # another call got there first: wait at the head
                self._waiters.appendleft(waiter)
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.wake(1)                      # woken, then cancelled: hand the wake-up on
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def wake(self, count: int | None = None) -> None:
        """Let the `count` oldest waiters (all without a count) check their condition again."""
        while self._waiters and (count is None or count > 0):
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                count = None if count is None else count - 1

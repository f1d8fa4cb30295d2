"""The python step's protocol pipes, Python side (part of the bridge; see nomaflow.py)."""
import io
import os
import sys

from _nomaflow_values import dumps, loads
from nomaflow import QueryError


def _running_loop():
    """The asyncio loop running in this thread, if any (asyncio itself is not imported for this)."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _settle_future(future, outcome):
    if future.done():
        return
    ok, value = outcome
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class Channel:
    """Requests to Nomaflow and their replies, matched by id.

    A reader thread (started with the first request) dispatches each reply to its waiter: a lock
    that a blocked caller waits on, or an asyncio future completed in its own loop. So sync code
    blocks, async code awaits, and several requests may be in flight at once.
    """

    def __init__(self, out_fd, in_fd):
        import _thread

        self._thread = _thread
        self._fd = out_fd
        self._reader = io.open(in_fd, "rb", closefd=False)
        self._write_lock = _thread.allocate_lock()
        self._state_lock = _thread.allocate_lock()
        self._pending = {}
        self._next_id = 0
        self._reading = False

    def receive(self):
        """The next message, read in this thread (only before the reader thread starts)."""
        line = self._reader.readline()
        if not line:
            raise EOFError("nomaflow closed the protocol pipe")
        return loads(line)

    def send(self, message):
        data = memoryview(dumps(message).encode("utf-8"))
        with self._write_lock:
            while data:
                written = os.write(self._fd, data)
                data = data[written:]

    def request(self, message, convert=None):
        """Sends `message` with a new id. Returns the reply's value (blocking) or, inside a running
        asyncio loop, a future of it. A failed request raises (or fails the future with) QueryError."""
        loop = _running_loop()
        with self._state_lock:
            self._next_id += 1
            request_id = self._next_id
            if loop is None:
                waiter = self._thread.allocate_lock()
                waiter.acquire()
                slot = [waiter, None]
            else:
                slot = (loop, loop.create_future())
            self._pending[request_id] = (slot, convert)
            if not self._reading:
                self._reading = True
                self._thread.start_new_thread(self._read_replies, ())
        message["id"] = request_id
        try:
            self.send(message)
        except BaseException:
            with self._state_lock:
                self._pending.pop(request_id, None)
            raise
        if loop is not None:
            return slot[1]
        slot[0].acquire()
        ok, value = slot[1]
        if ok:
            return value
        raise value

    def _read_replies(self):
        while True:
            try:
                line = self._reader.readline()
            except OSError:
                line = b""
            if not line:
                # Nomaflow is gone (or killed this step): nobody is left to answer or to report to.
                os._exit(70)
            try:
                reply = loads(line)
                with self._state_lock:
                    slot, convert = self._pending.pop(reply["id"])
                if reply.get("ok"):
                    value = reply.get("value")
                    outcome = (True, convert(value) if convert else value)
                else:
                    error = reply.get("error") or {}
                    message = error.get("message", "request failed")
                    if error.get("kind") == "query":
                        failure = QueryError(message, code=error.get("code"), connector=error.get("connector"), permanent=bool(error.get("permanent")))
                    else:
                        failure = RuntimeError(message)
                    outcome = (False, failure)
            except Exception as problem:  # a reply this bridge cannot read: a bug, said loudly
                sys.stderr.write("nomaflow bridge: bad reply %r: %s\n" % (line[:200], problem))
                continue
            if isinstance(slot, list):
                slot[1] = outcome
                slot[0].release()
            else:
                loop, future = slot
                try:
                    loop.call_soon_threadsafe(_settle_future, future, outcome)
                except RuntimeError:
                    pass  # the loop is closed: the awaiting code is gone

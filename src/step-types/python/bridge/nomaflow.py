"""The Python side of Nomaflow's python step, and what plugin code may import from it.

Nomaflow starts `<interpreter> launcher.py` in the project folder; the launcher checks the version
and hands over to _nomaflow_main. File descriptor 3 is the protocol pipe: one JSON object a line
each way, so that stdout and stderr stay free for the user's own output (they become log lines).

Plugin code may import this module for its exception: `from nomaflow import QueryError`.

Start-up time matters (a step that returns {} should cost little more than the interpreter), so
only `json` is imported up front; asyncio, datetime, decimal and traceback are imported when
something needs them, and the thread that reads replies starts with the first request.
"""
from _nomaflow_values import Unsendable, to_wire, type_name

__all__ = ["QueryError", "Context", "Connector", "Log"]


class QueryError(RuntimeError):
    """A query sent through `ctx.get_connector(name)` failed.

    The message is Nomaflow's: the connector's name and the database's reason. `code` is the
    SQLSTATE when the database gave one (e.g. "42P01" for a missing table), else None.
    """

    def __init__(self, message, code=None, connector=None, permanent=False):
        super().__init__(message)
        self.code = code
        self.connector = connector
        # Whether another try of the step cannot help (a missing table, a syntax error).
        self.permanent = permanent


class Log:
    """`ctx.log`: lines in the run log at a level. `ctx.log.info("rows: %s", n)` formats like logging."""

    def __init__(self, channel):
        self._channel = channel

    def _send(self, level, message, args):
        text = str(message) % args if args else str(message)
        self._channel.send({"t": "log", "level": level, "message": text})

    def debug(self, message, *args):
        self._send("debug", message, args)

    def info(self, message, *args):
        self._send("info", message, args)

    def warning(self, message, *args):
        self._send("warning", message, args)

    warn = warning

    def error(self, message, *args):
        self._send("error", message, args)


class Connector:
    """`ctx.get_connector(name)`: one of nomaflow.yaml's connectors. Queries run in Nomaflow (no
    Python database driver); parameters are `$1`, `$2`, … given after the SQL.

    Inside a running asyncio loop each method returns an awaitable; elsewhere it blocks and
    returns the value. So `await db.scalar(...)` in an async function, `db.scalar(...)` in a sync one.
    """

    def __init__(self, channel, name):
        self._channel = channel
        self.name = name

    def __repr__(self):
        return "<nomaflow connector %s>" % self.name

    def _query(self, method, sql, args):
        if not isinstance(sql, str):
            raise TypeError("%s() needs the SQL text as a string, not %s" % (method, type_name(sql)))
        wire = []
        for index, arg in enumerate(args):
            try:
                wire.append(to_wire(arg, False, []))
            except Unsendable as problem:
                raise TypeError("%s(): parameter $%d cannot be sent to the database: %s" % (method, index + 1, problem)) from None
        return self._channel.request({"t": "query", "connector": self.name, "method": method, "sql": sql, "args": wire})

    def scalar(self, sql, *args):
        """The first column of the first row, or None."""
        return self._query("scalar", sql, args)

    def fetch(self, sql, *args):
        """Every row, as a list of dicts."""
        return self._query("fetch", sql, args)

    def fetchrow(self, sql, *args):
        """The first row as a dict, or None."""
        return self._query("fetchrow", sql, args)

    def execute(self, sql, *args):
        """Runs the statement; the number of rows affected."""
        return self._query("execute", sql, args)


class Context:
    """The `ctx` a plugin function gets as its first argument."""

    def __init__(self, channel, start):
        info = start.get("ctx", {})
        self._channel = channel
        self.job_id = info.get("job_id")
        self.run_id = info.get("run_id")
        self.step = info.get("step")
        self.attempt = info.get("attempt")
        self.params = dict(info.get("params") or {})
        self.log = Log(channel)

    def __repr__(self):
        return "<nomaflow context %s/%s step %s>" % (self.job_id, self.run_id, self.step)

    def get_connector(self, name):
        if not isinstance(name, str):
            raise TypeError("get_connector() needs a connector name, not %s" % type_name(name))
        return Connector(self._channel, name)

    def notify(self, text, recipients=None):
        """Sends `text` through the project's notification channels: `recipients` (channel names),
        else the job's alert recipients, else notifications.default. Awaitable inside a running
        asyncio loop, blocking elsewhere; a failing channel is logged by Nomaflow, never raised."""
        if isinstance(recipients, str):
            recipients = [recipients]
        elif recipients is not None:
            recipients = [str(name) for name in recipients]
        return self._channel.request({"t": "notify", "text": str(text), "recipients": recipients}, convert=lambda _: None)

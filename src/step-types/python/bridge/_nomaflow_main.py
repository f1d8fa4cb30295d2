"""Runs the step's function (part of the bridge; see nomaflow.py): imports it from plugins/,
calls it with the context and op_kwargs, and sends its result or its failure to Nomaflow."""
import os
import sys

from _nomaflow_values import Unsendable, to_wire, type_name
from _nomaflow_channel import Channel
from nomaflow import Context, QueryError


class _BridgeFailure(Exception):
    """A failure that is the step's set-up, not the user's code: reported without retries.
    The traceback of its cause, if any, goes to the log (an import that failed half-way)."""

    def __init__(self, message, with_traceback=True):
        super().__init__(message)
        self.with_traceback = with_traceback


def _exception_message(error):
    text = str(error)
    return "%s: %s" % (type(error).__name__, text) if text else type(error).__name__


def _traceback_text(error, hidden):
    """The traceback without the bridge's own frames (and asyncio's), chained exceptions kept."""
    import traceback

    formatted = traceback.TracebackException(type(error), error, error.__traceback__)
    seen = set()
    pending = [formatted]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        kept = [frame for frame in current.stack if not any(frame.filename.startswith(prefix) for prefix in hidden)]
        current.stack = traceback.StackSummary.from_list(kept)
        pending.extend(other for other in (current.__cause__, current.__context__) if other is not None)
    return "".join(formatted.format()).rstrip("\n")


def _hidden_frames():
    """Where the frames a user does not need to see come from: this bridge, the import machinery, asyncio."""
    files = [os.path.dirname(os.path.abspath(__file__)) + os.sep, "<frozen importlib"]
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        files.append(os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep)
    return files


def _close_matches(name, module):
    import difflib

    names = [attribute for attribute in dir(module) if not attribute.startswith("_") and callable(getattr(module, attribute, None))]
    return difflib.get_close_matches(name, names, n=3)


def _load_callable(spec, plugins):
    module_name, _, function_name = spec.partition(":")
    try:
        __import__(module_name)
        module = sys.modules[module_name]
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if missing == module_name or module_name.startswith(missing + "."):
            shown = os.path.join("plugins", *module_name.split(".")) + ".py"
            raise _BridgeFailure(
                "callable %s: module %s not found (no %s in the project folder %s)" % (spec, module_name, shown, os.path.dirname(plugins)),
                with_traceback=False,
            ) from error
        raise _BridgeFailure("callable %s: importing %s failed: %s" % (spec, module_name, _exception_message(error))) from error
    except BaseException as error:
        raise _BridgeFailure("callable %s: importing %s failed: %s" % (spec, module_name, _exception_message(error))) from error
    function = getattr(module, function_name, None)
    if function is None:
        where = getattr(module, "__file__", None)
        shown = "%s (%s)" % (module_name, os.path.relpath(where)) if where else module_name
        suggestions = _close_matches(function_name, module)
        hint = "; did you mean %s?" % " or ".join(suggestions) if suggestions else ""
        raise _BridgeFailure("callable %s: module %s has no function %s%s" % (spec, shown, function_name, hint))
    if not callable(function):
        raise _BridgeFailure("callable %s: %s is not a function (type %s)" % (spec, function_name, type_name(function)))
    return function


async def _await(awaitable):
    return await awaitable


def _call(function, spec, ctx, kwargs):
    try:
        result = function(ctx, **kwargs)
    except TypeError as error:
        # Raised by the call itself (no frame of the function below this one): the arguments do
        # not fit the signature, which another try will not change.
        if error.__traceback__ is not None and error.__traceback__.tb_next is None:
            keys = ", ".join(sorted(kwargs)) or "none"
            raise _BridgeFailure("callable %s cannot be called as %s(ctx, **op_kwargs) with op_kwargs %s: %s" % (spec, spec.partition(":")[2], keys, error)) from None
        raise
    if hasattr(result, "__await__"):
        import asyncio

        result = asyncio.run(_await(result))
    return result


def _exit(code):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    # Not a normal interpreter shutdown: a thread the function left running must not keep the
    # step going once its result is in.
    os._exit(code)


def main(out_fd, in_fd):
    channel = Channel(out_fd, in_fd)
    # Children the function starts (os.system, subprocess with close_fds=False) must not hold the pipes.
    os.set_inheritable(out_fd, False)
    os.set_inheritable(in_fd, False)
    channel.send({"t": "hello", "version": "%d.%d.%d" % tuple(sys.version_info[:3]), "executable": sys.executable})
    start = channel.receive()
    spec = start["callable"]
    plugins = start["plugins"]
    sys.path.insert(0, plugins)
    try:
        function = _load_callable(spec, plugins)
        ctx = Context(channel, start)
        result = _call(function, spec, ctx, start.get("kwargs") or {})
    except _BridgeFailure as failure:
        cause = failure.__cause__
        trace = _traceback_text(cause, _hidden_frames()) if cause is not None and failure.with_traceback else None
        channel.send({"t": "error", "kind": "setup", "message": str(failure), "traceback": trace})
        _exit(1)
    except BaseException as error:
        message = {"t": "error", "kind": "exception", "message": _exception_message(error), "traceback": _traceback_text(error, _hidden_frames())}
        if isinstance(error, QueryError):
            message["retryable"] = not error.permanent
        channel.send(message)
        _exit(1)
    try:
        value = to_wire(result, True, [])
    except Unsendable as problem:
        channel.send(
            {
                "t": "error",
                "kind": "output",
                "message": "%s returned a value that is not JSON-serialisable: %s" % (spec, problem),
            }
        )
        _exit(1)
    channel.send({"t": "result", "value": value})
    _exit(0)

"""Values across the python step's pipe (part of the bridge; see nomaflow.py).

Node sends database values that JSON cannot carry tagged, {"$nf": <tag>, "v": <text>}: decimal,
int (beyond a double), float (NaN, infinities), date, datetime, time, timedelta, bytes (base64).
JSON objects of exactly that shape are reserved for the bridge. Python sends everything as the
text PostgreSQL reads, except bytes, which go tagged so that Node sends them as bytea.
"""
import json
import sys

TAG = "$nf"
MAX_SAFE_INTEGER = 2**53 - 1


def _decode_tag(obj):
    """json object_hook: tagged values from Node back into Python types."""
    if len(obj) != 2 or TAG not in obj or "v" not in obj:
        return obj
    try:
        return _decode_value(obj[TAG], obj["v"], obj)
    except Exception:
        # A value Python cannot hold (a date before year 1, time 24:00): its text.
        return obj["v"]


def _decode_value(tag, text, obj):
    if tag == "int":
        return int(text)
    if tag == "float":
        return float(text)
    if tag == "decimal":
        import decimal

        return decimal.Decimal(text)
    if tag == "bytes":
        import binascii

        return binascii.a2b_base64(text)
    if tag == "timedelta":
        import datetime

        return datetime.timedelta(seconds=float(text))
    if tag in ("date", "datetime", "time"):
        import datetime

        kind = {"date": datetime.date, "datetime": datetime.datetime, "time": datetime.time}[tag]
        return kind.fromisoformat(text)
    return obj


def loads(line):
    return json.loads(line, object_hook=_decode_tag)


def type_name(value):
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else "%s.%s" % (kind.__module__, kind.__qualname__)


class Unsendable(TypeError):
    """A value with no form on the pipe; says its type and where it sits (`['rows'][0]`)."""

    def __init__(self, value, path, why=None):
        where = " at " + "".join("[%r]" % key for key in path) if path else ""
        super().__init__("type %s%s%s" % (type_name(value), where, ": " + why if why else ""))


def to_wire(value, output, path):
    """A Python value as JSON for Node.

    For query arguments (`output` false) every value becomes what PostgreSQL reads as text: dates
    and times in ISO 8601, Decimal and big integers as their exact digits, timedelta as
    "<seconds> seconds", bytes tagged (base64) so that Node sends them as bytea. For the step's
    output (`output` true) the same, except that bytes, timedelta and non-finite floats are refused.
    """
    kind = type(value)
    if value is None or kind is str or kind is bool:
        return value
    if kind is int:
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else str(value)
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            if output:
                raise Unsendable(value, path, "%r has no JSON form" % value)
            return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(value)]
        return value
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if isinstance(key, str):
                name = str.__str__(key)
            elif key is None or isinstance(key, (int, float)):
                # As json.dumps does: None, True, 1, 1.5 become "null", "true", "1", "1.5".
                name = json.dumps(key)
            else:
                raise Unsendable(key, path + [key], "a dictionary key must be a string")
            result[name] = to_wire(item, output, path + [key])
        return result
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_wire(item, output, path + [index]) for index, item in enumerate(value)]
    if isinstance(value, (bytes, bytearray, memoryview)):
        if output:
            raise Unsendable(value, path, "return text (for example base64) instead of bytes")
        import binascii

        return {TAG: "bytes", "v": binascii.b2a_base64(bytes(value), newline=False).decode("ascii")}
    # Subclasses of the plain types (str and int enums): their plain value.
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return to_wire(int(value), output, path)
    if isinstance(value, float):
        return to_wire(float(value), output, path)
    # Only a module already imported can have made the value, so none is imported here.
    datetime = sys.modules.get("datetime")
    if datetime is not None:
        if isinstance(value, (datetime.date, datetime.time)):
            return value.isoformat()
        if isinstance(value, datetime.timedelta):
            if output:
                raise Unsendable(value, path, "return total_seconds() or a string instead")
            return "%r seconds" % value.total_seconds()
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(value, decimal.Decimal):
        if output and not value.is_finite():
            raise Unsendable(value, path, "%s has no JSON form" % value)
        return str(value)
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        # numpy scalars and arrays: the Python values they hold.
        return to_wire(value.tolist(), output, path)
    uuid = sys.modules.get("uuid")
    if uuid is not None and isinstance(value, uuid.UUID):
        return str(value)
    raise Unsendable(value, path)


def dumps(message):
    return json.dumps(message, separators=(",", ":"), allow_nan=False) + "\n"

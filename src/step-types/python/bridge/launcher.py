# The entry point of Nomaflow's python step: `<interpreter> launcher.py`, with the protocol pipes
# on file descriptors 3 (to Nomaflow) and 4 (from Nomaflow). The bridge itself is nomaflow.py and _nomaflow_*.py beside this file.
# This file only checks the Python version, so it is written in the syntax every Python since
# 2.4 can parse (no f-strings, no print function, no `with`); an interpreter that is too old says
# so over the pipe instead of dying on a syntax error in the bridge.
import os
import sys

MINIMUM = (3, 8)
PROTOCOL_FD = 3
REPLIES_FD = 4


def report_too_old():
    version = "%d.%d.%d" % tuple(sys.version_info[:3])
    line = '{"t":"too_old","version":"%s","executable":"%s"}\n' % (version, sys.executable.replace("\\", "\\\\").replace('"', '\\"'))
    try:
        os.write(PROTOCOL_FD, line.encode("utf-8"))
    except Exception:
        sys.stderr.write("nomaflow: Python %s is too old for the python step (3.8 or newer is needed)\n" % version)
    sys.exit(3)


def main():
    if tuple(sys.version_info[:2]) < MINIMUM:
        report_too_old()
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    try:
        import _nomaflow_main
    finally:
        # The bridge's folder is no place to look for the user's modules.
        real = os.path.realpath(here)
        sys.path[:] = [entry for entry in sys.path if os.path.realpath(entry or ".") != real]
    _nomaflow_main.main(PROTOCOL_FD, REPLIES_FD)


main()

# tests/clients/python/clientlib.py -- the tiny harness the Python driver tests share: named
# cases run in order, each printing "PASS name", "FAIL name: why" (with the traceback) or
# "SKIP name: why" in the format of tests/harness/test.h, and a summary line; the exit status
# is 1 when a case failed. The server is given as a libpq conninfo in $SHALE_CLIENT_CONN.
#
# Known product bugs: raise KnownBug("what") inside a case (or call known_bug(cond, what)) to
# SKIP it with a line naming the bug, so `make check` stays green and the bug stays visible.
import os
import sys
import traceback


class KnownBug(Exception):
    pass


class Skip(Exception):
    pass


def known_bug(cond, what):
    """Skips the current case naming a known bug when cond is false (the bug shows)."""
    if not cond:
        raise KnownBug(what)


def conninfo():
    ci = os.environ.get("SHALE_CLIENT_CONN")
    if not ci:
        print("SKIP all: SHALE_CLIENT_CONN not set (run through the *_check.sh script)")
        sys.exit(77)
    return ci


def eq(got, want, what=""):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


_cases = []


def case(fn):
    _cases.append(fn)
    return fn


def run(prefix):
    passed = failed = skipped = 0
    only = os.environ.get("SHALE_CLIENT_CASES")
    for fn in _cases:
        name = "%s.%s" % (prefix, fn.__name__)
        if only and fn.__name__ not in only.split(","):
            continue
        try:
            fn()
            print("PASS " + name, flush=True)
            passed += 1
        except KnownBug as e:
            print("SKIP %s: known bug: %s" % (name, e), flush=True)
            skipped += 1
        except Skip as e:
            print("SKIP %s: %s" % (name, e), flush=True)
            skipped += 1
        except Exception as e:  # every other error is a loud failure
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)
            for line in traceback.format_exc().rstrip().split("\n"):
                print("    " + line)
            failed += 1
    print("%s: %d passed, %d failed, %d skipped" % (prefix, passed, failed, skipped))
    sys.exit(1 if failed else 0)

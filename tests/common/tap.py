"""A minimal TAP producer for the Python test scripts: ok()/skip() print one
line each, done() prints the plan and returns the exit status."""
import sys

_n = 0
_failed = 0


def ok(cond, desc, diag=None):
    global _n, _failed
    _n += 1
    if not cond:
        _failed += 1
    print(f"{'ok' if cond else 'not ok'} {_n} - {desc}")
    if not cond and diag is not None:
        for line in str(diag).splitlines()[:40]:
            print(f"# {line}")
    sys.stdout.flush()
    return cond


def skip(desc, why):
    global _n
    _n += 1
    print(f"ok {_n} - {desc} # SKIP {why}")


def done():
    """Print the plan; 1 if any check failed or none ran, else 0."""
    print(f"1..{_n}")
    if _n == 0:
        print("# no checks ran: that is a failure")
    return 1 if _failed or _n == 0 else 0

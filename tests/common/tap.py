"""A minimal TAP producer for the Python test scripts: ok()/skip() print one
line each, done() prints the plan and returns the exit status. Tap is the same
as an object, for the long-running suites (e2e, packaging) that also print
comments and read the counts."""
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


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {name}", flush=True)
        if not cond:
            self.failed += 1
            if diag:
                self.comment(diag)
        return cond

    def skip(self, name, why):
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {why}", flush=True)

    @staticmethod
    def comment(text):
        for line in str(text).splitlines() or [""]:
            print(f"# {line}", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)

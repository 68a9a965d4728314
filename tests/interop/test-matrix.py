#!/usr/bin/env python3
"""matrix.py and tools/update-interop-doc.py on a scratch doc: the tool fills
each marked block and keeps the prose, refuses FAIL rows and missing
markers; the drift check sees a changed row and ignores the date and version
line. The real doc's blocks are checked by the smime, pgp and nss tests.
Usage: test-matrix.py UPDATE_TOOL. Prints TAP."""
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from matrix import BLOCKS, Matrix, block, marker, rows_diff, table_rows  # noqa: E402
from tap import done, ok  # noqa: E402

TOOL = sys.argv[1]
tmp = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-matrix-"))
out = tmp / "build" / "tests" / "out"
out.mkdir(parents=True)
doc = tmp / "interop.md"

PROSE = ["# Title\n\nSome prose.\n\n", "\nBetween the blocks.\n\n", "\nMore prose.\n\n", "\nThe end.\n"]
text = PROSE[0]
for i, test in enumerate(BLOCKS):
    text += f"{marker(test, 'begin')}\nold {test}\n{marker(test, 'end')}\n" + PROSE[i + 1]
doc.write_text(text)

matrices = {}
for i, test in enumerate(BLOCKS):
    m = Matrix(test, ["peer", "direction", "operation", "algorithm", "key", "result"])
    m.rows = [("openssl", "sealgate -> openssl cms", "decrypt", "aes256-cbc", f"rsa{2048 + i}", "pass"),
              ("nss", "NSS cmsutil -> sealgate", "verify", "sha256", "rsa2048", "not supported by the peer (x)")]
    (out / BLOCKS[test]).write_text(m.render("Intro.", "peers: X 1.0"))
    matrices[test] = m


def tool(*args):
    return subprocess.run([sys.executable, TOOL, "--doc", doc, *args, tmp / "build"], capture_output=True, text=True)


p = tool()
new = doc.read_text()
ok(p.returncode == 0 and all(x in new for x in PROSE), "the tool fills the three blocks and keeps the prose",
   p.stdout + p.stderr)
ok(all(table_rows(block(new, t)) == m.rows and "old " not in new for t, m in matrices.items()),
   "each block holds the rows of its own test's file", new)
p = tool()
ok(p.returncode == 0 and doc.read_text() == new and "nothing changed" in p.stdout, "run again: nothing changed",
   p.stdout)
ok(all(rows_diff(new, t, m.rows) == [] for t, m in matrices.items()), "drift check: the same rows, no difference")

nss = "test-nss.py"
changed = new.replace("| rsa2048 | not supported by the peer (x) |", "| rsa2048 | pass |", 1)
d = rows_diff(changed, next(iter(BLOCKS)), matrices[next(iter(BLOCKS))].rows)
ok(d and any(line.startswith("-| nss ") for line in d), "drift check: a changed result is a difference", d)
reordered = matrices[nss].rows[::-1]
ok(rows_diff(new, nss, reordered) != [], "drift check: another order is a difference")
dated = new.replace("on 20", "on 19").replace("peers: X 1.0", "peers: X 1.1")
ok(rows_diff(dated, nss, matrices[nss].rows) == [], "drift check: another date and peer version are no difference")
ok(rows_diff(new.replace(marker(nss, "end"), ""), nss, matrices[nss].rows) is None,
   "drift check: a doc without the block's end marker is reported as such")

(out / BLOCKS[nss]).write_text((out / BLOCKS[nss]).read_text().replace("| pass |", "| FAIL |"))
p = tool()
ok(p.returncode == 1 and doc.read_text() == new and "FAIL rows" in p.stderr,
   "a table with FAIL rows is refused, the doc unchanged", p.stdout + p.stderr)
p = tool("--allow-fail")
ok(p.returncode == 0 and "| FAIL |" in block(doc.read_text(), nss), "--allow-fail copies it", p.stdout + p.stderr)

(out / BLOCKS[nss]).unlink()
doc.write_text(text)
p = tool()
after = doc.read_text()
ok(p.returncode == 1 and "does not exist" in p.stderr and f"old {nss}" in after
   and all(f"old {t}" not in after for t in BLOCKS if t != nss),
   "a missing table: exit 1, its block left as it was, the others filled", p.stdout + p.stderr)
doc.write_text(text.replace(marker("test-pgp-interop.py", "begin"), ""))
p = tool()
ok(p.returncode == 1 and "lacks the lines" in p.stderr, "a doc without a block's markers: exit 1, said so", p.stderr)

shutil.rmtree(tmp, ignore_errors=True)
sys.exit(done())

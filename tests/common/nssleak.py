"""Under LeakSanitizer only: the environment that suppresses NSS's own leak
when its PKCS#12 decoder meets DER that ends early. NSS then leaks its nested
decoder's arena and lock (after SEC_PKCS12DecoderFinish; no sealgate frame in
the stack), so for such a run only, the three NSS libraries are suppressed
on top of tests/lsan.supp. None when no sanitizer runs."""
import os
import pathlib


def nss_p12_leak_env(tmp):
    if not (os.environ.get("LSAN_OPTIONS") or os.environ.get("ASAN_OPTIONS")):
        return None
    supp = pathlib.Path(tmp) / "nss-p12.supp"
    base = ""
    for part in os.environ.get("LSAN_OPTIONS", "").split(":"):
        if part.startswith("suppressions="):
            base = pathlib.Path(part.split("=", 1)[1]).read_text()
    supp.write_text(base + "\nleak:libplds4.so\nleak:libnspr4.so\nleak:libnssutil3.so\n")
    rest = [x for x in os.environ.get("LSAN_OPTIONS", "").split(":") if x and not x.startswith("suppressions=")]
    return {"LSAN_OPTIONS": ":".join(rest + [f"suppressions={supp}"])}

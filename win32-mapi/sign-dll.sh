#!/bin/sh
# Authenticode-sign a DLL (or MSI) with osslsigncode: SHA-256, the publisher
# certificate chain and key in PEM (or a PKCS#12 file), and an RFC 3161
# timestamp when a timestamp server is given (so the signature outlives the
# certificate). Used by the build (meson option authenticode_cert) and by
# tests/win32/check-sign.sh with a throwaway certificate.
#
#   sign-dll.sh CERT KEY|- TIMESTAMP_URL|- IN OUT
#     CERT  PEM chain (leaf first), or a .p12/.pfx file (then KEY is -, and
#           the password, if any, is in $SEALGATE_SIGN_PASSWORD)
set -eu
cert=$1
key=$2
ts=$3
in=$4
out=$5
set -- -h sha256 -n "sealgate secure send"
case $cert in
*.p12 | *.pfx)
        set -- "$@" -pkcs12 "$cert"
        [ -n "${SEALGATE_SIGN_PASSWORD:-}" ] && set -- "$@" -pass "$SEALGATE_SIGN_PASSWORD"
        ;;
*) set -- "$@" -certs "$cert" -key "$key" ;;
esac
[ "$ts" != "-" ] && set -- "$@" -ts "$ts"
rm -f "$out"
osslsigncode sign "$@" -in "$in" -out "$out" >/dev/null

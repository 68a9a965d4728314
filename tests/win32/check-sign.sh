#!/bin/sh
# Authenticode signing of the Outlook add-in (win32-mapi/sign-dll.sh,
# osslsigncode): with a throwaway CA and code-signing certificate made here
# by openssl, the shipped DLL is signed and `osslsigncode verify` accepts it
# against that CA; the unsigned DLL and a tampered signed copy are refused.
# When the build was configured with -Dauthenticode_cert, its signed DLL
# carries a SHA-256 Authenticode signature too. Prints TAP.
#
#   check-sign.sh DLL SIGN_SCRIPT SIGNED_DLL|- WORKDIR
set -u
dll=$1
sign=$2
built=$3
work=$4
n=0
fail=0
ok() {
        n=$((n + 1))
        if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi
}
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
cat >ext.cnf <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
CNF
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=sealgate test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 &&
        openssl req -newkey rsa:2048 -nodes -keyout signer.key -out signer.csr -subj "/CN=sealgate test publisher" \
                >/dev/null 2>&1 &&
        openssl x509 -req -in signer.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile ext.cnf \
                -extensions leaf -out signer.pem >/dev/null 2>&1
ok $? "throwaway CA and code-signing certificate (openssl)"
"$sign" signer.pem signer.key - "$dll" signed.dll
ok $? "sign-dll.sh signs the shipped DLL"
osslsigncode verify -CAfile ca.pem -in signed.dll >verify.out 2>&1 && grep -q "Signature verification: ok" verify.out
st=$?
sed 's/^/# /' verify.out | grep -Ei "digest algorithm|signature verification|subject:" | head -6
ok $st "osslsigncode verify: the signature checks out against the CA"
grep -Eqi "sha256" verify.out
ok $? "the signature uses SHA-256"
! osslsigncode verify -CAfile ca.pem -in "$dll" >/dev/null 2>&1
ok $? "the unsigned DLL does not verify (the check can fail)"
cp signed.dll tampered.dll
size=$(stat -c %s tampered.dll)
printf 'X' | dd of=tampered.dll bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
! osslsigncode verify -CAfile ca.pem -in tampered.dll >/dev/null 2>&1
ok $? "a signed DLL changed afterwards does not verify"
if [ "$built" != "-" ]; then
        osslsigncode verify -in "$built" >built.out 2>&1
        grep -Eqi "sha256" built.out && grep -q "Signer's certificate" built.out
        ok $? "the build's signed DLL ($(basename "$built")) carries an Authenticode signature"
fi
echo "1..$n"
echo "# $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]

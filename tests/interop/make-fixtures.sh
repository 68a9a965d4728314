#!/bin/sh
# Generates the S/MIME test fixtures into DIR (never committed): a root CA, an
# intermediate, user certificates and PKCS#12 files. Usage: make-fixtures.sh DIR
# Names and addresses are fixed so tests and docs can refer to them:
#   root.pem, inter.pem, ca-chain.pem (root + intermediate)
#   alice      RSA 2048, alice@corp.example (sign + encrypt)
#   bob        RSA 3072, bob@partner.example (sign + encrypt)
#   alice-ec   ECDSA P-256, alice@corp.example (sign only)
#   expired    RSA 2048, alice@corp.example, valid 2020-01-01 .. 2021-01-01
#   noeku      RSA 2048, alice@corp.example, extendedKeyUsage serverAuth only
#   mallory    RSA 2048, mallory@other.example (another address)
# Each user U has U.key (PEM, no passphrase), U.pem (certificate),
# U-chain.pem (certificate + intermediate), U.p12 (AES-256, passphrase in
# PASSPHRASE), U-legacy.p12 (3DES/RC2, same passphrase) and U-nopass.p12.
set -eu
dir=${1:?usage: make-fixtures.sh DIR}
mkdir -p "$dir"
cd "$dir"
PASS=test-passphrase
printf '%s\n' "$PASS" > PASSPHRASE
umask 077

legacy=
case "$(openssl version)" in
"OpenSSL 3"*) legacy=-legacy ;;
esac

cat > ext.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[user_rsa]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:copy
[user_ec]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:copy
[user_noeku]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:copy
[ca_expired]
dir = .
database = ./index.txt
new_certs_dir = .
serial = ./serial
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
emailAddress = optional
organizationName = optional
CNF

# root and intermediate (RSA 2048: every peer verifies RSA chains)
openssl req -x509 -new -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3650 \
        -subj "/O=sealgate test/CN=sealgate test root CA" -config ext.cnf -extensions ca -sha256 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr \
        -subj "/O=sealgate test/CN=sealgate test intermediate CA" -config ext.cnf 2>/dev/null
openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -set_serial 2 -days 3650 -sha256 \
        -extfile ext.cnf -extensions inter -out inter.pem 2>/dev/null
cat root.pem inter.pem > ca-chain.pem

serial=100
# user NAME KEYALG EMAIL EXTENSIONS
user() {
        name=$1 alg=$2 email=$3 ext=$4
        serial=$((serial + 1))
        case $alg in
        rsa*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${alg#rsa}" -out "$name.key" 2>/dev/null ;;
        ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key" 2>/dev/null ;;
        esac
        openssl req -new -key "$name.key" -out "$name.csr" -config ext.cnf \
                -subj "/O=sealgate test/CN=$name/emailAddress=$email" 2>/dev/null
        if [ "$ext" = expired ]; then
                openssl ca -batch -config ext.cnf -name ca_expired -cert inter.pem -keyfile inter.key \
                        -in "$name.csr" -out "$name.pem" -startdate 20200101000000Z -enddate 20210101000000Z \
                        -extfile ext.cnf -extensions user_rsa -notext 2>/dev/null
        else
                openssl x509 -req -in "$name.csr" -CA inter.pem -CAkey inter.key -set_serial "$serial" \
                        -days 1825 -sha256 -extfile ext.cnf -extensions "$ext" -out "$name.pem" 2>/dev/null
        fi
        cat "$name.pem" inter.pem > "$name-chain.pem"
        openssl pkcs12 -export -inkey "$name.key" -in "$name.pem" -certfile ca-chain.pem -name "$name" \
                -passout "pass:$PASS" -out "$name.p12"
        openssl pkcs12 -export $legacy -inkey "$name.key" -in "$name.pem" -certfile ca-chain.pem -name "$name" \
                -passout "pass:$PASS" -out "$name-legacy.p12" 2>/dev/null
        openssl pkcs12 -export -inkey "$name.key" -in "$name.pem" -certfile ca-chain.pem -name "$name" \
                -passout pass: -out "$name-nopass.p12"
}

: > index.txt
echo 1000 > serial
user alice rsa2048 alice@corp.example user_rsa
user bob rsa3072 bob@partner.example user_rsa
user alice-ec ec alice@corp.example user_ec
user expired rsa2048 alice@corp.example expired
user noeku rsa2048 alice@corp.example user_noeku
user mallory rsa2048 mallory@other.example user_rsa
rm -f ./*.csr index.txt* serial* ./[0-9A-F][0-9A-F]*.pem 2>/dev/null || true
echo "fixtures in $dir"

#!/bin/sh
# Generates the OpenPGP test fixtures into DIR (never committed): a GNUPGHOME
# with keys and a few messages made by gpg itself. Usage: make-pgp-fixtures.sh DIR
# DIR/home is the GNUPGHOME (gpg-agent: loopback pinentry allowed, no cache).
# Keys (fingerprint of each in DIR/<name>.fpr, no passphrase unless said):
#   alice    Ed25519 + Cv25519, alice@corp.example
#   bob      RSA 3072 (sign + encrypt), bob@partner.example
#   carol    Ed25519 + Cv25519, carol@corp.example, passphrase in DIR/PASSPHRASE
#   old      Ed25519 + Cv25519, old@corp.example, made 2020-01-01, expired 2020-01-02
#   revoked  Ed25519 + Cv25519, revoked@corp.example, revoked
#   mallory  Ed25519 + Cv25519, mallory@other.example
#   dave     dave@elsewhere.example: public key only (secret in DIR/dave-home)
# Messages:
#   old-signed.asc  signed by old (with the clock set back) while it was valid
#   nomdc.asc       encrypted to alice without integrity protection
#                   (gpg --rfc2440 --cipher-algo CAST5: no MDC packet)
#   to-dave.asc     encrypted to dave only
set -eu
dir=${1:?usage: make-pgp-fixtures.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
umask 077
home=$dir/home
rm -rf "$home" "$dir/dave-home"
mkdir -p "$home" "$dir/dave-home"
chmod 700 "$home" "$dir/dave-home"
for h in "$home" "$dir/dave-home"; do
        printf 'allow-loopback-pinentry\ndefault-cache-ttl 0\nmax-cache-ttl 0\n' > "$h/gpg-agent.conf"
done
PASS=pgp-test-passphrase
printf '%s\n' "$PASS" > "$dir/PASSPHRASE"

g() { gpg --homedir "$home" --batch --quiet --no-tty --pinentry-mode loopback "$@"; }

fpr() { # fpr HOME ADDRESS: the primary key's fingerprint
        gpg --homedir "$1" --batch --with-colons --list-keys "<$2>" | awk -F: '/^fpr/ { print $10; exit }'
}

ecc() { # ecc NAME ADDRESS [gpg options]: Ed25519 primary for signing, Cv25519 subkey
        name=$1 addr=$2
        shift 2
        g --passphrase '' "$@" --quick-gen-key "$name <$addr>" ed25519 sign 0
        f=$(fpr "$home" "$addr")
        g --passphrase '' "$@" --quick-add-key "$f" cv25519 encr 0
}

ecc Alice alice@corp.example
g --passphrase '' --quick-gen-key 'Bob <bob@partner.example>' rsa3072 sign,encr 0
g --passphrase "$PASS" --quick-gen-key 'Carol <carol@corp.example>' ed25519 sign 0
f=$(fpr "$home" carol@corp.example)
g --passphrase "$PASS" --quick-add-key "$f" cv25519 encr 0
ecc Mallory mallory@other.example
ecc Revoked revoked@corp.example
# a key that expired long ago: made with the clock set back
g --faked-system-time 20200101T000000 --passphrase '' --quick-gen-key 'Old <old@corp.example>' ed25519 sign 1d
f=$(fpr "$home" old@corp.example)
g --faked-system-time 20200101T000000 --passphrase '' --quick-add-key "$f" cv25519 encr 1d
printf 'Content-Type: text/plain\r\n\r\nSigned in 2020.\r\n' > "$dir/old-content.txt"
g --faked-system-time 20200101T010000 --local-user "$f" --armor --sign -o "$dir/old-signed.asc" "$dir/old-content.txt"
g --faked-system-time 20200101T010000 --local-user "$f" --armor --detach-sign -o "$dir/old-content.sig" \
        "$dir/old-content.txt"

f=$(fpr "$home" revoked@corp.example)
sed 's/^:-----/-----/' "$home/openpgp-revocs.d/$f.rev" | g --import 2>/dev/null

for k in alice bob carol mallory revoked old; do
        case $k in
        bob) a=bob@partner.example ;;
        mallory) a=mallory@other.example ;;
        *) a=$k@corp.example ;;
        esac
        fpr "$home" "$a" > "$dir/$k.fpr"
done

# dave: another person's key; only the public half is here
gpg --homedir "$dir/dave-home" --batch --quiet --passphrase '' --pinentry-mode loopback \
        --quick-gen-key 'Dave <dave@elsewhere.example>' ed25519 sign 0
f=$(fpr "$dir/dave-home" dave@elsewhere.example)
gpg --homedir "$dir/dave-home" --batch --quiet --passphrase '' --pinentry-mode loopback \
        --quick-add-key "$f" cv25519 encr 0
gpg --homedir "$dir/dave-home" --batch --export "$f" | g --import 2>/dev/null
printf '%s\n' "$f" > "$dir/dave.fpr"
gpgconf --homedir "$dir/dave-home" --kill gpg-agent 2>/dev/null || true

printf 'Content-Type: text/plain\r\n\r\nHello Alice,\r\nthe figures.\r\n' > "$dir/plain.txt"
g --trust-model always --armor -r dave@elsewhere.example --encrypt -o "$dir/to-dave.asc" "$dir/plain.txt"
g --rfc2440 --cipher-algo CAST5 --armor -r alice@corp.example --encrypt -o "$dir/nomdc.asc" "$dir/plain.txt" \
        2>/dev/null
# gpg must have made it without an MDC (a tag 9 packet, not tag 18)
g --list-packets "$dir/nomdc.asc" 2>/dev/null | grep -q 'tag=9 ' || {
        echo "make-pgp-fixtures: gpg did not make a message without MDC" >&2
        exit 1
}
echo "$dir"

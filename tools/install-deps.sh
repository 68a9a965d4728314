#!/bin/sh
# Install what sealgate needs to build and test, from Debian 12 packages.
# Usage: tools/install-deps.sh [build|e2e|win32|test]   (default: test, a superset)
#   build  compilers and libraries (GTK 4 and gettext for sealgate-prompt)
#   e2e    build + what the end-to-end and gui suites run: Thunderbird, Postfix
#          (no system MTA is configured or started), Xvfb, xdotool,
#          ImageMagick, zenity (the prompt benchmark's peer), Japanese fonts,
#          NSS tools and openssl (the S/MIME profile and its checks), and
#          the AT-SPI registry and its Python bindings (suite 'a11y' reads
#          the prompt's accessibility tree as a screen reader does)
#   win32  build + mingw-w64 and Wine (the Outlook add-in and its tests), cmake
#          and curl (json-c and PCRE2 cross-built from Debian's source
#          tarballs, win32-common/deps/), wixl and msitools (the MSIs, msiinfo),
#          locales (ja_JP.UTF-8 compiled by the Japanese sealgate.exe test)
#   test   build + e2e + win32 + the checkers and the interop peers
#          (gpgsm, GnuPG, NSS tools), Clang (the second compiler of
#          tools/test.sh), devscripts (hardening-check, suite 'hardening'),
#          strace (suite 'privacy') and desktop-file-utils (the wizard's
#          desktop entry is validated, test 'desktop-entry')
set -eu
what=${1:-test}
case $what in
build|e2e|win32|test) ;;
*) echo "install-deps: unknown set '$what' (build, e2e, win32 or test)" >&2; exit 2 ;;
esac

pkgs="meson ninja-build pkg-config gcc libc6-dev python3
      libjson-c-dev libgmime-3.0-dev libglib2.0-dev libidn2-dev libunistring-dev libpcre2-dev
      libgtk-4-dev gettext libssl-dev libgpgme-dev libnss3-dev libsoup-3.0-dev librnp-dev libsqlite3-dev"
e2e_pkgs="thunderbird thunderbird-l10n-ja postfix xvfb xauth xdotool imagemagick zenity python3-xlib
          fonts-noto-cjk libnss3-tools openssl at-spi2-core python3-pyatspi gir1.2-atspi-2.0 dbus-daemon"
win32_pkgs="mingw-w64 wine wine64 cmake curl ca-certificates msitools wixl osslsigncode locales"
if [ "$what" = e2e ] || [ "$what" = test ]; then
        pkgs="$pkgs $e2e_pkgs"
fi
if [ "$what" = win32 ] || [ "$what" = test ]; then
        pkgs="$pkgs $win32_pkgs"
fi
if [ "$what" = test ]; then
        pkgs="$pkgs clang-format clang devscripts gpgsm gnupg libnss3-tools strace python3-cryptography
              desktop-file-utils"
fi

missing=""
for p in $pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "install-deps: need root or sudo for:$missing" >&2; exit 1; }
        sudo=sudo
fi
echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
case " $missing " in
*" postfix "*)
        # The e2e suite runs its own private Postfix instances; the package
        # must not set up or start a system MTA.
        echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
        ;;
esac
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null

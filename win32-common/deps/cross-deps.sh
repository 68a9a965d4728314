#!/bin/sh
# sealgate on Windows: json-c and PCRE2 cross-built with mingw-w64 as static
# libraries, from Debian 12's source tarballs (deb.debian.org, SHA256 checked
# against the values below, which are those of the packages' .dsc files).
# Nothing is vendored into the tree: meson runs this at setup time and the
# result is cached in the build directory.
#
#   cross-deps.sh TRIPLET OUTDIR
#
# TRIPLET is x86_64-w64-mingw32 or i686-w64-mingw32; the libraries and headers
# go to OUTDIR/{include,lib}. A second run with the same OUTDIR does nothing.
# $SEALGATE_DEPS_CACHE (default OUTDIR/../src) keeps the downloaded tarballs,
# so the x64 and x86 build directories, or a CI cache, download them once.
set -eu

triplet=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)
mirror=${SEALGATE_DEBIAN_MIRROR:-https://deb.debian.org/debian}
cache=${SEALGATE_DEPS_CACHE:-$(dirname "$out")/src}

# name version path sha256 (Debian 12: json-c 0.16-2, pcre2 10.42-1)
JSONC="json-c 0.16 pool/main/j/json-c/json-c_0.16.orig.tar.gz 3ecaeedffd99a60b1262819f9e60d7d983844073abc74e495cb822b251904185"
PCRE2="pcre2 10.42 pool/main/p/pcre2/pcre2_10.42.orig.tar.gz c33b418e3b936ee3153de2c61cc638e7e4fe3156022a5c77d0711bcbb9d64f1f"

stamp="$out/.sealgate-deps"
want="$JSONC $PCRE2 $triplet"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        exit 0
fi

fetch() { # path sha256 -> file in $cache
        f="$cache/$(basename "$1")"
        if [ ! -f "$f" ] || ! echo "$2  $f" | sha256sum -c --status; then
                mkdir -p "$cache"
                curl -sSfL --retry 3 -o "$f.part" "$mirror/$1"
                if ! echo "$2  $f.part" | sha256sum -c --status; then
                        echo "cross-deps.sh: $1: SHA256 mismatch" >&2
                        rm -f "$f.part"
                        exit 1
                fi
                mv "$f.part" "$f"
        fi
        echo "$f"
}

# cmake for mingw-w64: a static library, installed under $out.
toolchain="$out/toolchain.cmake"
mkdir -p "$out"
cat >"$toolchain" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_C_COMPILER $triplet-gcc)
set(CMAKE_RC_COMPILER $triplet-windres)
set(CMAKE_AR $(command -v "$triplet-ar"))
set(CMAKE_RANLIB $(command -v "$triplet-ranlib"))
set(CMAKE_FIND_ROOT_PATH /usr/$triplet)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
EOF

build() { # "name version path sha256" cmake-options...
        set -- $1 "$@"
        name=$1 version=$2 path=$3 sum=$4
        shift 5
        tarball=$(fetch "$path" "$sum")
        work="$out/work/$name"
        rm -rf "$work"
        mkdir -p "$work"
        tar -xzf "$tarball" -C "$work" --strip-components=1
        cmake -S "$work" -B "$work/build" -G Ninja -Wno-dev \
                -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
                -DCMAKE_BUILD_TYPE=Release \
                -DCMAKE_INSTALL_PREFIX="$out" \
                -DBUILD_SHARED_LIBS=OFF \
                "$@" >"$work.log" 2>&1 || { cat "$work.log" >&2; exit 1; }
        ninja -C "$work/build" install >>"$work.log" 2>&1 || { tail -40 "$work.log" >&2; exit 1; }
}

build "$JSONC" -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF -DDISABLE_WERROR=ON -DBUILD_APPS=OFF
build "$PCRE2" -DPCRE2_BUILD_PCRE2_8=ON -DPCRE2_BUILD_PCRE2_16=OFF -DPCRE2_BUILD_PCRE2_32=OFF \
        -DPCRE2_SUPPORT_JIT=ON -DPCRE2_BUILD_PCRE2GREP=OFF -DPCRE2_BUILD_TESTS=OFF \
        -DPCRE2_SUPPORT_LIBBZ2=OFF -DPCRE2_SUPPORT_LIBZ=OFF -DPCRE2_SUPPORT_LIBREADLINE=OFF \
        -DPCRE2_SUPPORT_LIBEDIT=OFF
rm -rf "$out/work"
echo "$want" >"$stamp"

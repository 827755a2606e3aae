#!/bin/sh
# Builds the C kernels as WASI command modules (primes.wasm, blur.wasm) with
# clang's wasm32-wasi target: Debian's clang, lld, wasi-libc and
# libclang-rt-14-dev-wasm32, or the WASI SDK (set CC and WASI_SYSROOT).
# `./build.sh native` builds them for this computer instead, for comparing.
set -eu
cd "$(dirname "$0")"
CC=${CC:-clang}
out=${OUT:-.}
if [ "${1:-}" = native ]; then
  for k in primes blur; do ${NATIVE_CC:-cc} -O2 -o "$out/$k-native" "$k.c"; done
  exit 0
fi
sysroot=${WASI_SYSROOT:+--sysroot=$WASI_SYSROOT}
for k in primes blur; do
  $CC --target=wasm32-wasi $sysroot -O2 -o "$out/$k.wasm" "$k.c"
done

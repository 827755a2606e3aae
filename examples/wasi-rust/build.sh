#!/bin/sh
# Builds the Rust kernels as WASI command modules (primes.wasm, blur.wasm),
# std only, no Cargo needed. The target is wasm32-wasip1 (Rust 1.78 and
# later: `rustup target add wasm32-wasip1`), or its old name wasm32-wasi
# (Debian 12's rustc with libstd-rust-dev-wasm32). Set RUSTC to choose a
# compiler; otherwise the first rustc that has either target's std is used.
set -eu
cd "$(dirname "$0")"
out=${OUT:-.}
for rustc in ${RUSTC:-} rustc /usr/bin/rustc; do
  command -v "$rustc" >/dev/null 2>&1 || continue
  for target in wasm32-wasip1 wasm32-wasi; do
    lib=$("$rustc" --print target-libdir --target "$target" 2>/dev/null) || continue
    ls "$lib"/libstd-*.rlib >/dev/null 2>&1 || continue
    for k in primes blur; do
      "$rustc" --target "$target" -O -C strip=symbols -o "$out/$k.wasm" "$k.rs"
    done
    exit 0
  done
done
echo "no rustc here with a wasm32-wasip1 or wasm32-wasi std: rustup target add wasm32-wasip1, or apt-get install rustc libstd-rust-dev-wasm32" >&2
exit 3

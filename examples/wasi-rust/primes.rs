//! W3's kernel as a WASI command module, in Rust with std only: each stdin
//! line is one item, a JSON array [lo, hi]; each stdout line is the count of
//! primes n with lo <= n < hi, by trial division by 2, then by odd i while
//! i*i <= n (the peers' count_primes_range, ../../bench/workloads/primes.ts).
//!
//!   rustc --target wasm32-wasip1 -O primes.rs    (or ./build.sh)
use std::io::{self, BufRead, BufWriter, Write};
use std::process::exit;

fn count_primes_range(lo: i64, hi: i64) -> i64 {
    let mut c = 0;
    for n in lo..hi {
        if n < 2 {
            continue;
        }
        if n % 2 == 0 {
            if n == 2 {
                c += 1;
            }
            continue;
        }
        let mut i = 3;
        let mut prime = true;
        while i * i <= n {
            if n % i == 0 {
                prime = false;
                break;
            }
            i += 2;
        }
        if prime {
            c += 1;
        }
    }
    c
}

/// `[lo, hi]` → (lo, hi); None for anything else.
fn parse(line: &str) -> Option<(i64, i64)> {
    let inner = line.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut parts = inner.split(',').map(|s| s.trim().parse::<i64>());
    let (lo, hi) = (parts.next()?.ok()?, parts.next()?.ok()?);
    if parts.next().is_some() {
        return None;
    }
    Some((lo, hi))
}

fn main() {
    let stdin = io::stdin();
    let mut out = BufWriter::new(io::stdout());
    for (item, line) in stdin.lock().lines().enumerate() {
        let line = line.expect("stdin is not UTF-8");
        match parse(&line) {
            Some((lo, hi)) => writeln!(out, "{}", count_primes_range(lo, hi)).unwrap(),
            None => {
                eprintln!("item {} is not [lo, hi]: {}", item, line);
                exit(1);
            }
        }
    }
    out.flush().unwrap();
}

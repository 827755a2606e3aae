//! An image kernel as a WASI command module, in Rust with std only: a 3x3
//! box blur of a grayscale image. Each stdin line is one image, {"width": W,
//! "height": H, "pixels": [W*H values 0..255, row by row]}; each stdout line
//! is the blurred image in the same shape. A pixel becomes the mean of its
//! in-bounds 3x3 neighbours, rounded to nearest (half up) — as blur.c does.
//!
//!   rustc --target wasm32-wasip1 -O blur.rs      (or ./build.sh)
use std::io::{self, BufRead, BufWriter, Write};
use std::process::exit;

/// The whole number after `"key":`; keys may come in any order.
fn field(line: &str, key: &str) -> Option<i64> {
    let at = line.find(&format!("\"{}\"", key))? + key.len() + 2;
    let rest = line[at..].trim_start().strip_prefix(':')?.trim_start();
    let end = rest.find(|c: char| !c.is_ascii_digit() && c != '-').unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn pixels(line: &str) -> Option<Vec<u8>> {
    let at = line.find("\"pixels\"")?;
    let open = at + line[at..].find('[')? + 1;
    let close = open + line[open..].find(']')?;
    line[open..close].split(',').map(|s| s.trim().parse::<u8>().ok()).collect()
}

fn blur(w: usize, h: usize, img: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            let (mut sum, mut n) = (0u32, 0u32);
            for yy in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                for xx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                    sum += img[yy * w + xx] as u32;
                    n += 1;
                }
            }
            out[y * w + x] = ((2 * sum + n) / (2 * n)) as u8;
        }
    }
    out
}

fn fail(item: usize, why: &str) -> ! {
    eprintln!("item {}: {}", item, why);
    exit(1)
}

fn main() {
    let stdin = io::stdin();
    let mut out = BufWriter::new(io::stdout());
    for (item, line) in stdin.lock().lines().enumerate() {
        let line = line.expect("stdin is not UTF-8");
        let (w, h) = match (field(&line, "width"), field(&line, "height")) {
            (Some(w), Some(h)) if (1..=16384).contains(&w) && (1..=16384).contains(&h) => (w as usize, h as usize),
            _ => fail(item, "width and height must be whole numbers from 1 to 16384"),
        };
        let img = match pixels(&line) {
            Some(p) if p.len() == w * h => p,
            _ => fail(item, "pixels must be w*h whole numbers from 0 to 255"),
        };
        let blurred = blur(w, h, &img);
        let values: Vec<String> = blurred.iter().map(|v| v.to_string()).collect();
        writeln!(out, "{{\"width\":{},\"height\":{},\"pixels\":[{}]}}", w, h, values.join(",")).unwrap();
    }
    out.flush().unwrap();
}

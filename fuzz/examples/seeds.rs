//! Writes each fuzz target's seed corpus to `fuzz/seeds/<target>/`:
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    for (target, inputs) in halfpenny_fuzz::seeds() {
        let dir = root.join(target);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        for (i, input) in inputs.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i:02}")), input)?;
        }
        println!("{target}: {} seeds", inputs.len());
    }
    Ok(())
}

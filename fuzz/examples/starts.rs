//! Writes each fuzz target's starting inputs to `fuzz/starts/<target>/`:
//! `cargo run --manifest-path fuzz/Cargo.toml --example starts`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("starts");
    for (target, inputs) in halfpenny_fuzz::starting_inputs() {
        let dir = root.join(target);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        for (i, input) in inputs.iter().enumerate() {
            std::fs::write(dir.join(format!("input-{i:02}")), input)?;
        }
        println!("{target}: {} starting inputs", inputs.len());
    }
    Ok(())
}

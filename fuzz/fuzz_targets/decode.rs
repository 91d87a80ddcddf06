//! See `halfpenny_fuzz::decode`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| halfpenny_fuzz::decode(data));

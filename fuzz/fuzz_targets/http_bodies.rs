//! See `halfpenny_fuzz::http_bodies`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| halfpenny_fuzz::http_bodies(data));

//! See `halfpenny_fuzz::till_accept`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| halfpenny_fuzz::till_accept(data));

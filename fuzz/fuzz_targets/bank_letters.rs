//! See `halfpenny_fuzz::bank_letters`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| halfpenny_fuzz::bank_letters(data));

#!/usr/bin/env bash
# Builds the till page (till-wasm) into static/till/pkg/.
#   scripts/till.sh [--release|--dev]
exec "$(dirname "${BASH_SOURCE[0]}")/wasm-page.sh" till-wasm static/till/pkg "$@"

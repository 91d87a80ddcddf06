#!/usr/bin/env bash
# Builds the wallet page (wallet-wasm) into static/wallet/pkg/.
#   scripts/wallet.sh [--release|--dev]
exec "$(dirname "${BASH_SOURCE[0]}")/wasm-page.sh" wallet-wasm static/wallet/pkg "$@"

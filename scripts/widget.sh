#!/usr/bin/env bash
# Builds the pay button (shop-widget) into static/widget/pkg/, next to
# static/widget/halfpenny-pay.js (the element a shop includes).
#   scripts/widget.sh [--release|--dev]
exec "$(dirname "${BASH_SOURCE[0]}")/wasm-page.sh" shop-widget static/widget/pkg "$@"

#!/usr/bin/env bash
# Formatting and documentation, kept by the toolchain's swift-format with the committed .swift-format files:
#   scripts/format.sh          lint (--strict: any finding fails), as CI runs it
#   scripts/format.sh --fix    rewrite the files in place, then lint what cannot be fixed automatically
# Generated code (Sources/*/Generated) and the codegen golden fixtures are left as their generators write them.
# The root .swift-format requires a doc comment on every public declaration (AllPublicDeclarationsHaveDocumentation);
# Tests/ and Benchmarks/ have their own .swift-format without that rule.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(find Sources Tests Benchmarks -name '*.swift' -not -path '*/Generated/*' -not -path '*/Fixtures/*' | sort)
files+=(Package.swift)
if [ "${1:-}" = "--fix" ]; then
    swift format format --in-place --parallel "${files[@]}"
fi
swift format lint --strict --parallel "${files[@]}"

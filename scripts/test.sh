#!/usr/bin/env bash
# Runs the tests.
#
#   scripts/test.sh          everything: the Python examples' tests, the standalone Swift stage
#                            in examples/swift-stage, then the package's unit and integration
#                            targets (which also drive the built executables, the oracles and
#                            the Python examples across the language boundary)
#   scripts/test.sh --quick  only the in-process unit targets, one per library module (no
#                            executables, servers or oracles), and how long they took
#
# Builds check that every module imports only the modules Package.swift says it depends on.
set -euo pipefail
cd "$(dirname "$0")/.."

# The unit test targets: every test target but IntegrationTests (Package.swift declares one
# per library module).
unit_targets=$(sed -n 's/^ *unitTests("\([A-Za-z]*\)".*/\1/p' Package.swift | paste -sd '|')
[ -n "$unit_targets" ] || { echo "test.sh: no unitTests(...) targets found in Package.swift" >&2; exit 1; }

scripts/check-unsafe.sh
swift build --build-tests --explicit-target-dependency-import-check error

if [ "${1:-}" = "--quick" ]; then
    started=$(date +%s.%N)
    swift test --skip-build --filter "^($unit_targets)\."
    awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "test.sh --quick: unit targets passed in %.1f s\n", e - s }'
    exit 0
fi

python3 -m unittest discover -s examples/python -t examples/python
examples/swift-stage/test.sh
swift test --skip-build

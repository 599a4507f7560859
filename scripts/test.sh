#!/usr/bin/env bash
# Runs every test: the Python examples' tests, then the Swift package's (which also drive the
# built executables and the Python examples across the language boundary).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m unittest discover -s examples/python -t examples/python
swift build --build-tests
swift test

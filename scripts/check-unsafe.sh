#!/usr/bin/env bash
# Checks that raw pointers stay where docs/architecture.md says they live: the byte views of
# DMBytes, the system-call wrappers of DMSystem, and the bindings of the C libraries
# (liblz4 for record streams and ClickHouse's compressed blocks, zlib, libpcap). Anything else must go through those types. Also checks that no
# target builds with unsafe compiler flags.
set -euo pipefail
cd "$(dirname "$0")/.."

allowed='^Sources/(DMBytes|DMSystem)/|^Sources/DMRecord/(Reading/LZ4FrameDecoder|Writing/LZ4FrameEncoder)\.swift$|^Sources/DMPacket/CaptureFiles/GzipDecoder\.swift$|^Sources/DMCapture/Live/LiveCapture\.swift$|^Sources/DMClickHouse/CompressedBlock\.swift$'
tokens='Unsafe(Mutable)?(Raw)?(Buffer)?Pointer|withUnsafe(Mutable)?(Bytes|BufferPointer|Pointer)|OpaquePointer|Unmanaged|unsafeBitCast|withCString|baseAddress|\.allocate\(|bindMemory|assumingMemoryBound|strdup|environ\b'

found=$(grep -rlE "$tokens" Sources --include='*.swift' | grep -vE "$allowed" || true)
if [ -n "$found" ]; then
    echo "check-unsafe: raw pointers outside the view types and C bindings:" >&2
    for file in $found; do grep -nE "$tokens" "$file" | sed "s|^|  $file:|" >&2; done
    exit 1
fi
if grep -n "unsafeFlags" Package.swift >&2; then
    echo "check-unsafe: Package.swift sets unsafe flags" >&2
    exit 1
fi
echo "check-unsafe: raw pointers only in DMBytes, DMSystem and the C library bindings"

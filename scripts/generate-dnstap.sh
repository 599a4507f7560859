#!/usr/bin/env bash
# Regenerates Sources/DnstapSchema/dnstap.pb.swift from Protos/dnstap.proto with protoc
# (Debian's protobuf-compiler) and protoc-gen-swift built from the swift-protobuf version
# Package.swift names. Run it after changing the .proto; commit the result.
#
#   scripts/generate-dnstap.sh SCRATCH     # SCRATCH: a folder to clone and build the plugin in
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${1:?usage: scripts/generate-dnstap.sh SCRATCH-FOLDER}
version=1.39.0
mkdir -p "$scratch"
if [ ! -x "$scratch/swift-protobuf/.build/release/protoc-gen-swift" ]; then
    rm -rf "$scratch/swift-protobuf"
    git clone --quiet --depth 1 --branch "$version" https://github.com/apple/swift-protobuf "$scratch/swift-protobuf"
    (cd "$scratch/swift-protobuf" && swift build -c release --product protoc-gen-swift)
fi
protoc --plugin="protoc-gen-swift=$scratch/swift-protobuf/.build/release/protoc-gen-swift" \
    --swift_opt=Visibility=Public --swift_out=Sources/DnstapSchema --proto_path=Protos Protos/dnstap.proto
echo "wrote Sources/DnstapSchema/dnstap.pb.swift"

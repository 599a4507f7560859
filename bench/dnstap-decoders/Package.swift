// swift-tools-version: 6.1
// Decodes every frame of a dnstap file with DMDnstap's in-place reader and with swift-protobuf's
// generated types (DnstapSchema), best of several passes each: the measurement behind the
// choice of decoder (bench/dnstap.sh runs it; BENCHMARKS.md has the numbers).
import PackageDescription

let package = Package(
    name: "dnstap-decoders",
    dependencies: [
        .package(name: "dnsmonster", path: "../.."),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        .executableTarget(
            name: "dnstap-decoders",
            dependencies: [
                .product(name: "DMBytes", package: "dnsmonster"),
                .product(name: "DMDnstap", package: "dnsmonster"),
                .product(name: "DnstapSchema", package: "dnsmonster"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
    ]
)

// swift-tools-version: 6.1
import PackageDescription

// The modules, lowest first; each imports only those above it in this list (docs/architecture.md
// draws the graph and says what each owns). SwiftPM refuses an import of a module that is not
// a declared dependency, so the direction holds by construction; every target lists each module it
// imports (not only what it gets transitively), so the graph below is the whole truth.
//
//   DMBytes          byte views and fixed-size byte values
//   DMSystem         system calls: descriptors, mappings, sockets, clocks, threads
//   DMRecord         the record stream: format, reader, writer, LZ4, endpoints
//   DMStage          a stage's runtime: signals, output side, STATS, sampling
//   DNSWire          DNS messages over bytes: validation, walking, RDATA schema
//   DMPacket         frames to DNS records: capture files, link layers, IP, tunnels,
//                    reassembly
//   DMCapture        the capture stage: live capture, packet selection
//   DMDnstap         dnstap input: Frame Streams (files, socket server), dnstap to DNS records
//   DMFilter         decisions on DNS records: lists, dedup, masks, field selection
//   DMFormats        DNS records as text: dnsmonster's JSON, CSV, OCSF, templates
//   DMSinks          where text goes: standard output, files, syslog
//   DMStageCommand   what every stage's command line shares
//   DMConfiguration  dnsmonster's options, environment and INI files
//   DMMetrics        the pipeline's ledger and dnsmonster's metrics
//   DMPipeline       running the stages as dnsmonster's pipeline

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let propertyBased: Target.Dependency = .product(name: "PropertyBased", package: "swift-property-based")

/// The in-process tests of one library module.
func unitTests(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .testTarget(name: name, dependencies: dependencies + ["DMTestSupport"])
}

/// An executable stage: it parses its arguments and wires the modules it names.
func stage(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies + ["DMStageCommand", argumentParser])
}

let package = Package(
    name: "dnsmonster",
    products: [
        .library(name: "DMBytes", targets: ["DMBytes"]),
        .library(name: "DMSystem", targets: ["DMSystem"]),
        .library(name: "DMRecord", targets: ["DMRecord"]),
        .library(name: "DMStage", targets: ["DMStage"]),
        .library(name: "DNSWire", targets: ["DNSWire"]),
        .library(name: "DMPacket", targets: ["DMPacket"]),
        .library(name: "DMCapture", targets: ["DMCapture"]),
        .library(name: "DMDnstap", targets: ["DMDnstap"]),
        .library(name: "DnstapSchema", targets: ["DnstapSchema"]),
        .library(name: "DMFilter", targets: ["DMFilter"]),
        .library(name: "DMClickHouse", targets: ["DMClickHouse"]),
        .library(name: "DMFormats", targets: ["DMFormats"]),
        .library(name: "DMSinks", targets: ["DMSinks"]),
        .library(name: "DMConfiguration", targets: ["DMConfiguration"]),
        .library(name: "DMMetrics", targets: ["DMMetrics"]),
        .library(name: "DMPipeline", targets: ["DMPipeline"]),
        .executable(name: "dm-capture", targets: ["dm-capture"]),
        .executable(name: "dm-parse", targets: ["dm-parse"]),
        .executable(name: "dm-filter", targets: ["dm-filter"]),
        .executable(name: "dm-out", targets: ["dm-out"]),
        .executable(name: "dm-stream", targets: ["dm-stream"]),
        .executable(name: "dnsmonster", targets: ["dnsmonster"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(
            name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(
            name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CDMShims"),
        .target(name: "CCurlFetch", linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "CTLSClient", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),

        .target(name: "DMBytes", dependencies: ["CDMShims"]),
        .target(name: "DMSystem", dependencies: ["DMBytes", "CDMShims", "CTLSClient"]),
        .target(name: "DMRecord", dependencies: ["DMBytes", "DMSystem", "CLZ4"]),
        .target(name: "DMStage", dependencies: ["DMBytes", "DMSystem", "DMRecord", "CDMShims"]),
        .target(name: "DNSWire", dependencies: ["DMBytes"]),
        .target(name: "DMPacket", dependencies: ["DMBytes", "DMSystem", "DMRecord", "DMStage", "DNSWire", "CZlib"]),
        .target(name: "DMCapture", dependencies: ["DMBytes", "DMSystem", "DMRecord", "DMStage", "DMPacket", "CPcap"]),
        .target(name: "DMDnstap", dependencies: ["DMBytes", "DMSystem", "DMRecord", "DMStage", "DNSWire"]),
        // The generated swift-protobuf types of Protos/dnstap.proto: the independent decoder the
        // dnstap tests and bench/dnstap.sh compare DMDnstap's own with; no stage links it.
        .target(name: "DnstapSchema", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(name: "DMClickHouse", dependencies: ["DMBytes", "DMSystem", "CLZ4", "CZstd"]),
        .target(name: "DMFilter", dependencies: ["DMBytes", "DMSystem", "DMRecord", "DMStage", "DNSWire", "CCurlFetch"]),
        .target(name: "DMFormats", dependencies: ["DMBytes", "DMRecord", "DNSWire"]),
        .target(name: "DMSinks", dependencies: ["DMBytes", "DMSystem", "DMRecord", "DMStage", "DNSWire", "DMFormats", "DMClickHouse"]),
        .target(name: "DMStageCommand", dependencies: ["DMRecord", "DMStage", argumentParser]),
        .target(name: "DMConfiguration", dependencies: ["DMBytes", "DMSystem"]),
        .target(
            name: "DMMetrics",
            dependencies: [
                "DMBytes", "DMSystem", "DMRecord", "DMConfiguration", .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        .target(name: "DMPipeline", dependencies: ["DMBytes", "DMSystem", "DMConfiguration", "DMMetrics", "DMFormats", "DMSinks"]),

        stage("dm-capture", ["DMSystem", "DMRecord", "DMStage", "DMPacket", "DMCapture", "DMDnstap"]),
        stage("dm-parse", ["DMSystem", "DMRecord", "DMStage", "DMPacket"]),
        stage("dm-filter", ["DMRecord", "DMStage", "DMFilter"]),
        stage("dm-out", ["DMSystem", "DMRecord", "DMStage", "DMFormats", "DMClickHouse", "DMSinks"]),
        stage("dm-stream", ["DMBytes", "DMRecord", "DMStage"]),
        .executableTarget(name: "dnsmonster", dependencies: ["DMBytes", "DMSystem", "DMRecord", "DMConfiguration", "DMMetrics", "DMPipeline"]),

        // Tests: a target per library module (in-process, quick: `scripts/test.sh --quick`), and
        // one for the executables and the independent oracles (tshark, miekg/dns, Go).
        .target(
            name: "DMTestSupport", dependencies: ["DMBytes", "DMSystem", "DMRecord", "DMStage", "DNSWire", "DMFormats", "DMConfiguration"],
            path: "Tests/DMTestSupport"),
        unitTests("DMBytesTests", ["DMBytes"]),
        unitTests("DMSystemTests", ["DMBytes", "DMSystem"]),
        unitTests("DMRecordTests", ["DMRecord", propertyBased]),
        unitTests("DMStageTests", ["DMSystem", "DMStage"]),
        unitTests("DMStageCommandTests", ["DMStage", "DMStageCommand", argumentParser]),
        unitTests("DNSWireTests", ["DNSWire", "DMRecord", propertyBased]),
        unitTests("DMPacketTests", ["DMPacket"]),
        unitTests("DMCaptureTests", ["DMBytes", "DMRecord", "DMStage", "DMPacket", "DMCapture"]),
        unitTests("DMDnstapTests", ["DMBytes", "DMSystem", "DMRecord", "DMStage", "DMDnstap", "DnstapSchema", .product(name: "SwiftProtobuf", package: "swift-protobuf"), propertyBased]),
        unitTests("DMFilterTests", ["DMFilter"]),
        unitTests("DMClickHouseTests", ["DMBytes", "DMSystem", "DMClickHouse"]),
        unitTests("DMFormatsTests", ["DMFormats", propertyBased]),
        unitTests("DMSinksTests", ["DMBytes", "DMSystem", "DMSinks"]),
        unitTests("DMConfigurationTests", ["DMConfiguration"]),
        unitTests("DMMetricsTests", ["DMMetrics"]),
        unitTests("DMPipelineTests", ["DMSystem", "DMConfiguration", "DMMetrics", "DMPipeline"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "DMTestSupport", "DMBytes", "DMSystem", "DMRecord", "DMStage", "DNSWire", "DMPacket", "DMCapture", "DMFilter", "DMFormats", "DMClickHouse",
                "DMSinks", "DMConfiguration", "DMMetrics", "DMDnstap", "DnstapSchema", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
    ]
)

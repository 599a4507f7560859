// swift-tools-version: 6.1
import PackageDescription

/// Release builds drop exclusivity checks on the record hot paths; debug builds keep them.
let releaseSpeed: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

/// An executable stage: the record library, the shared command-line options, ArgumentParser.
func stage(_ name: String, extraDependencies: [Target.Dependency] = []) -> Target {
    .executableTarget(
        name: name,
        dependencies: [
            "DMRecord", "DMStageOptions", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ] + extraDependencies,
        swiftSettings: releaseSpeed)
}

let package = Package(
    name: "dnsmonster",
    products: [
        .library(name: "DMRecord", targets: ["DMRecord"]),
        .library(name: "DMOutput", targets: ["DMOutput"]),
        .library(name: "DMConfiguration", targets: ["DMConfiguration"]),
        .library(name: "DMMetrics", targets: ["DMMetrics"]),
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
    ],
    targets: [
        .systemLibrary(
            name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(
            name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CDMShims"),
        .target(
            name: "DMRecord",
            dependencies: ["CLZ4", "CZlib", "CDMShims"],
            swiftSettings: releaseSpeed),
        .target(
            name: "DMOutput",
            dependencies: ["DMRecord"],
            swiftSettings: releaseSpeed),
        .target(
            name: "DMStageOptions",
            dependencies: ["DMRecord", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        stage("dm-capture", extraDependencies: ["CPcap"]),
        stage("dm-parse"),
        stage("dm-filter"),
        stage("dm-out", extraDependencies: ["DMOutput"]),
        stage("dm-stream"),
        .target(name: "DMConfiguration"),
        .target(
            name: "DMMetrics",
            dependencies: ["DMRecord", .product(name: "Prometheus", package: "swift-prometheus")]),
        .executableTarget(name: "dnsmonster", dependencies: ["DMConfiguration", "DMMetrics", "DMRecord"]),
        .testTarget(
            name: "DMRecordTests",
            dependencies: [
                "DMRecord", "DMOutput", "DMConfiguration", "DMMetrics",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
    ]
)

// swift-tools-version: 6.1
// A stage of one's own, built on dnsmonster for Swift's libraries as any other package would
// use them: by path here (by URL and version elsewhere).
import PackageDescription

let package = Package(
    name: "tld-count",
    dependencies: [
        .package(name: "dnsmonster", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "tld-count",
            dependencies: [
                .product(name: "DMBytes", package: "dnsmonster"),
                .product(name: "DMSystem", package: "dnsmonster"),
                .product(name: "DMRecord", package: "dnsmonster"),
                .product(name: "DNSWire", package: "dnsmonster"),
            ]),
    ]
)

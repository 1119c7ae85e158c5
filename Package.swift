// swift-tools-version:6.2
import PackageDescription

// Packages with two or more enabled traits are pinned to `traits: []`: SwiftPM 6.3 orders trait
// flags non-deterministically, which recompiles them on every other build (see ../shared/BUILD.md G1).
let package = Package(
    name: "LucidPayments",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "payment-rpc", targets: ["payment-rpc"]),
        .executable(name: "payment-bench", targets: ["PaymentBench"]),
        .executable(name: "tron-devnet", targets: ["tron-devnet"]),
        .executable(name: "payctl", targets: ["payctl"]),
        .executable(name: "beta-sidecar", targets: ["beta-sidecar"]),
        .executable(name: "tron-bench", targets: ["TronBench"]),
        .executable(name: "hop-bench", targets: ["HopBench"]),
        .executable(name: "ledger-bench", targets: ["LedgerBench"]),
        .executable(name: "grpc-noop", targets: ["GRPCNoop"]),
        .executable(name: "protoc-gen-lucid-rest", targets: ["protoc-gen-lucid-rest"]),
        .executable(name: "payment-gateway", targets: ["payment-gateway"]),
        .library(name: "PaymentCore", targets: ["PaymentCore"]),
        .library(name: "PaymentRPC", targets: ["PaymentRPC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0", traits: []),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", exact: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", exact: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", exact: "1.7.4"),
        .package(url: "https://github.com/vapor/jwt-kit.git", exact: "5.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
    ],
    targets: [
        // MARK: Libraries

        /// Debian's libsecp256k1 (with the recovery module), for TronKit's signatures.
        .systemLibrary(name: "CSecp256k1", pkgConfig: "libsecp256k1", providers: [.apt(["libsecp256k1-dev"])]),
        /// Generated protobuf code for the TRON transaction subset in proto/tron (DO NOT EDIT).
        .target(
            name: "TronProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        /// TRON without networking: Base58Check, Keccak-256, secp256k1 keys and signatures, addresses,
        /// transaction building and txIDs, TRC-20 call data.
        .target(
            name: "TronKit",
            dependencies: [
                "CSecp256k1", "TronProto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        /// The hot wallet's key custody: key files (mode 0600, never overwritten), the development environment key.
        /// Apart from TronKit so that TronKit (and the I/O-free domain on it) reads no files.
        .target(name: "TronWallet", dependencies: ["TronKit"]),
        /// The payout domain: validation, routers, limits, circuit breaker, state machine. No I/O.
        .target(
            name: "PaymentCore",
            dependencies: ["TronKit", .product(name: "Crypto", package: "swift-crypto")]
        ),
        /// Generated protobuf and gRPC code for lucid.payment.v1 and grpc.health.v1 (DO NOT EDIT).
        .target(
            name: "PaymentAPI",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ]
        ),
        /// The ledger: the store protocol and its SQLite implementation with group commit.
        .target(
            name: "PaymentStore",
            dependencies: [
                "PaymentCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        /// The shared ledger on PostgreSQL (postgres-nio): the same protocols as SQLiteLedger, with claims under
        /// leases so that several payment-rpc instances pay from one ledger exactly once.
        .target(
            name: "PaymentStorePostgres",
            dependencies: [
                "PaymentCore", "PaymentStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        /// Metric handles made once per label set.
        .target(name: "MetricHandles"),
        /// What every server program shares: configuration (YAML file → PREFIX_ environment → flags, checked
        /// against a schema), host:port and URL parsing, logging and metrics bootstrap, the admin router.
        .target(
            name: "ServerSupport",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        /// The subcommands every server program shares (`healthcheck`), on ArgumentParser.
        .target(
            name: "ServerCommands",
            dependencies: ["ServerSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        /// The payout server: gRPC services, admin HTTP port, configuration, metrics.
        .target(
            name: "PaymentRPC",
            dependencies: [
                "PaymentCore", "PaymentStore", "PaymentStorePostgres", "PaymentAPI", "TronKit", "TronNode",
                "TronWallet",
                "MetricHandles", "ServerSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        /// The TRON full-node HTTP API client (async-http-client): the node's real JSON shapes, retries, presets.
        .target(
            name: "TronNode",
            dependencies: [
                "TronKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        /// A local TRON full-node stand-in (HTTP API, USDT ledger, faults) for development and tests.
        .target(
            name: "TronDevnet",
            dependencies: [
                "TronKit", "TronProto", "ServerSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        /// The sidecar's plane ACL language: parser with positioned errors, evaluator, expected-decision files.
        .target(name: "SidecarACL"),
        /// Generated code of the sidecar's registry API (DO NOT EDIT).
        .target(
            name: "SidecarAPI",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ]
        ),
        /// The sidecar: mTLS identities, the gRPC-aware HTTP/2 proxy, the upstream prober, the registry.
        .target(
            name: "BetaSidecar",
            dependencies: [
                "SidecarACL", "PaymentAPI", "SidecarAPI", "MetricHandles", "ServerSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        /// The REST/OpenAPI generator: descriptors → an HTTP API model → OpenAPI 3 and the gateway's route table.
        .target(
            name: "Codegen",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "SwiftProtobufPluginLibrary", package: "swift-protobuf"),
            ]
        ),

        /// The HTTP/JSON gateway: the generated REST shim behind JWT, roles, rate limits and CORS.
        .target(
            name: "PaymentGateway",
            dependencies: [
                "PaymentAPI", "MetricHandles", "ServerSupport",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: Executables (thin)

        .executableTarget(name: "protoc-gen-lucid-rest", dependencies: ["Codegen"]),
        .executableTarget(
            name: "payment-gateway",
            dependencies: [
                "PaymentGateway", "ServerCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .executableTarget(
            name: "beta-sidecar",
            dependencies: [
                "SidecarACL", "BetaSidecar", "ServerSupport", "ServerCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        /// payctl's commands (keys, offline transactions, node queries), run by the payctl executable and by
        /// payment-rpc called as payctl.
        .target(
            name: "PayCtlCommands",
            dependencies: [
                "TronWallet", "TronKit", "TronNode", "PaymentStore", "PaymentStorePostgres", "PaymentAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "payctl", dependencies: ["PayCtlCommands"]),
        .executableTarget(
            name: "tron-devnet",
            dependencies: [
                "TronDevnet", "ServerSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .executableTarget(
            name: "payment-rpc",
            dependencies: [
                "PayCtlCommands",
                "PaymentRPC", "ServerSupport", "ServerCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "PaymentBench",
            dependencies: [
                "PaymentAPI",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/PaymentBench"
        ),

        .executableTarget(name: "TronBench", dependencies: ["TronKit"], path: "Benchmarks/TronBench"),
        .executableTarget(
            name: "LedgerBench",
            dependencies: [
                "PaymentCore", "PaymentStore", "PaymentStorePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/LedgerBench"
        ),
        .executableTarget(
            name: "HopBench",
            dependencies: [
                "PaymentAPI",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/HopBench"
        ),
        .executableTarget(
            name: "GRPCNoop",
            dependencies: [
                "PaymentAPI",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/GRPCNoop"
        ),

        // MARK: Tests

        .testTarget(name: "TronKitTests", dependencies: ["TronKit", "TronWallet"], exclude: ["Fixtures"]),
        .testTarget(
            name: "TronNodeTests",
            dependencies: [
                "TronNode", "TronKit", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "PaymentCoreTests", dependencies: ["PaymentCore"]),
        .testTarget(name: "SidecarACLTests", dependencies: ["SidecarACL"]),
        .testTarget(
            name: "CodegenTests",
            dependencies: ["Codegen", .product(name: "SwiftProtobufPluginLibrary", package: "swift-protobuf")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "PaymentStoreTests",
            dependencies: [
                "PaymentStore", "PaymentStorePostgres", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "ServerSupportTests",
            dependencies: ["ServerSupport", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        .testTarget(
            name: "TronDevnetTests",
            dependencies: [
                "TronDevnet", "TronKit", "ServerSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "PaymentGatewayTests",
            dependencies: [
                "PaymentGateway", "ServerSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "BetaSidecarTests",
            dependencies: [
                "BetaSidecar", "ServerSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ]
        ),
        .testTarget(
            name: "PaymentRPCTests",
            dependencies: [
                "PaymentRPC",
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version:6.0
import PackageDescription

/// ODA Ledger: no package dependencies, only the toolchain and two system libraries
/// (SQLite, OpenSSL) reached through thin system-library targets.
let package = Package(
    name: "oda-ledger",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "oda-ledger", targets: ["oda-ledger"]),
        .executable(name: "oda-bench", targets: ["oda-bench"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "SQLite", dependencies: ["CSQLite"]),
        .target(name: "Crypto", dependencies: ["COpenSSL"]),
        .target(name: "CanonicalJSON"),
        .target(name: "Transparency", dependencies: ["Crypto"]),
        .target(name: "EventLog", dependencies: ["SQLite", "Crypto", "CanonicalJSON", "Transparency"]),
        .target(name: "ODA", dependencies: ["EventLog", "CanonicalJSON", "SQLite", "Crypto"]),
        .target(name: "Inspection", dependencies: ["ODA", "EventLog", "CanonicalJSON", "SQLite", "Crypto"]),
        .target(name: "Import", dependencies: ["ODA", "EventLog", "CanonicalJSON", "Crypto"]),
        .target(name: "HTTP", dependencies: ["COpenSSL"]),
        .target(name: "Service", dependencies: ["HTTP", "EventLog", "ODA", "Inspection", "Transparency", "Crypto", "CanonicalJSON", "SQLite"]),
        .target(name: "LedgerCLI", dependencies: ["EventLog", "ODA", "Crypto", "CanonicalJSON", "Transparency",
                                                  "Service", "Inspection", "Import"]),
        .executableTarget(name: "oda-ledger", dependencies: ["LedgerCLI"]),
        .executableTarget(
            name: "oda-bench",
            dependencies: ["EventLog", "ODA", "SQLite", "Crypto", "CanonicalJSON", "Transparency", "Inspection", "LedgerCLI"]
        ),
        // Test-only code shared by several test targets; no product links it.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite", "TestSupport"]),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"]),
        .testTarget(name: "CanonicalJSONTests", dependencies: ["CanonicalJSON", "TestSupport"]),
        .testTarget(name: "TransparencyTests", dependencies: ["Transparency", "Crypto"]),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "SQLite", "Crypto", "CanonicalJSON", "TestSupport"]),
        .testTarget(name: "ODATests", dependencies: ["ODA", "EventLog", "CanonicalJSON", "TestSupport"]),
        .testTarget(name: "InspectionTests", dependencies: ["Inspection", "ODA", "EventLog", "CanonicalJSON", "SQLite", "TestSupport"]),
        .testTarget(name: "ImportTests", dependencies: ["Import", "ODA", "EventLog", "CanonicalJSON"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "TestSupport"]),
        .testTarget(name: "LedgerCLITests", dependencies: ["LedgerCLI", "EventLog", "CanonicalJSON", "Inspection"]),
        .testTarget(name: "ServiceTests", dependencies: ["Service", "HTTP", "EventLog", "ODA", "Inspection", "CanonicalJSON", "Crypto", "Transparency", "SQLite", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

import Foundation

/// The folder that holds one ledger: the SQLite file and the signing key.
///
/// Chosen by `--data DIR`, else `$ODA_LEDGER_DATA`, else `./oda-data`.
struct DataDirectory {
    let path: String

    static let environmentVariable = "ODA_LEDGER_DATA"
    static let defaultPath = "./oda-data"

    init(option: String?, environment: [String: String]) {
        path = option ?? environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultPath
    }

    var ledgerFile: String { path + "/ledger.sqlite" }
    /// The ledger's Ed25519 signing key (PKCS#8 PEM, mode 0600): it signs checkpoints.
    var signingKeyFile: String { path + "/signing-key.pem" }
    /// The matching public key, for auditors.
    var publicKeyFile: String { path + "/signing-key.pub.pem" }
}

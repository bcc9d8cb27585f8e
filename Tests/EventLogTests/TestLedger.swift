import CanonicalJSON
import EventLog
import Foundation
import SQLite
import XCTest

/// A ledger file in a fresh temporary directory, removed afterwards.
final class TestLedger {
    let directory: URL
    let path: String

    init(options: EventStore.Options = EventStore.Options()) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("ledger.sqlite").path
        _ = try EventStore.create(at: path, options: options)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func open(_ access: EventStore.Access = .readWrite, options: EventStore.Options = EventStore.Options()) throws -> EventStore {
        try EventStore(openingAt: path, access: access, options: options)
    }

    /// A raw connection, as someone with file access would use: no triggers dropped yet.
    func rawConnection() throws -> Connection {
        try Connection(path: path, mode: .readWrite)
    }
}

let recorder = try! Actor(id: "user:somsack", role: "recorder", unit: "LA-SV")

/// A budget-change payload of about 250 bytes, like the ones the ministry records.
func budgetPayload(_ i: Int, amount: String? = nil) -> JSONObject {
    var o = JSONObject()
    o["projectId"] = .string("LA-MPI-2026-\(String(format: "%03d", i % 50))")
    o["budgetLine"] = .string("BL-\(i % 7)")
    o["fiscalYear"] = .integer(2026)
    o["amount"] = .object(JSONObject(dictionary: ["amount": .string(amount ?? "\(1000 + i).50"), "currency": .string("USD")]))
    o["decisionRef"] = .string("MPI/DIC/2026/\(i)")
    o["province"] = .string("LA-VT")
    return o
}

func proposed(_ stream: String, _ type: String = "AnnualBudgetRevised", _ i: Int = 0,
              expectedVersion: Int64? = nil, key: String? = nil, amount: String? = nil) -> ProposedEvent {
    try! ProposedEvent(stream: stream, type: type, payload: budgetPayload(i, amount: amount),
                       expectedVersion: expectedVersion, idempotencyKey: key)
}

extension JSONObject {
    init(dictionary: [String: JSONValue]) {
        self.init()
        for (k, v) in dictionary { self[k] = v }
    }
}

import CanonicalJSON
import EventLog
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTP
import Inspection
import ODA
import Service
import XCTest

/// A ledger, a user directory and the real server on an ephemeral 127.0.0.1 port, spoken to with
/// URLSession. Every request has a 10-second timeout so a hung server fails the test instead of
/// hanging it.
final class ServiceHarness: Sendable {
    let directory: URL
    let store: EventStore
    let users: UserDirectory
    let service: LedgerService
    let server: HTTPServer
    let session: URLSession
    /// Tokens of the users fixtures add on first use.
    let fixtureTokens = TokenCache()
    var base: String { "http://127.0.0.1:\(server.port)" }

    /// `userClock` is the users directory's clock (tests move it to expire tokens).
    init(errorLog: (@Sendable (String) -> Void)? = nil, userClock: (@Sendable () -> Date)? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("svc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try EventStore.create(at: directory.appendingPathComponent("ledger.sqlite").path)
        // The read models `oda-ledger serve` keeps (see `openStoreForAppending`).
        try store.register(ProjectStateProjector())
        try store.register(FlagProjector())
        try store.register(CaseProjector())
        let path = directory.path
        users = try UserDirectory(dataDirectory: path, clock: userClock ?? { Date() })
        service = LedgerService(store: store, users: users, errorLog: errorLog)
        server = try HTTPServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0), deferringHandler: service.handle(_:deferral:))
        server.start()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        configuration.timeoutIntervalForResource = 10
        session = URLSession(configuration: configuration)
    }

    deinit {
        session.invalidateAndCancel()
        server.shutdown(grace: .seconds(1))
        try? FileManager.default.removeItem(at: directory)
    }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data
        var json: JSONValue? { try? JSONValue.parse(Array(body)) }
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? {
            headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    /// One request through URLSession, waited for synchronously.
    func request(_ method: String, _ path: String, token: String? = nil, body: String? = nil,
                 contentType: String? = "application/json", file: StaticString = #filePath, line: UInt = #line) -> Reply {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        }
        let box = ReplyBox()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: request) { data, response, error in
            if let http = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields { headers["\(key)"] = "\(value)" }
                box.set(Reply(status: http.statusCode, headers: headers, body: data ?? Data()))
            } else {
                box.set(Reply(status: -1, headers: [:], body: Data("\(String(describing: error))".utf8)))
            }
            done.signal()
        }.resume()
        if done.wait(timeout: .now() + 15) == .timedOut { XCTFail("\(method) \(path) timed out", file: file, line: line) }
        return box.get() ?? Reply(status: -1, headers: [:], body: Data())
    }

    /// A project located in `provinces`, approved, with a disbursement and no commitment: the
    /// disbursement-above-commitment rule flags it. Returns the flag's id.
    func flaggedProject(_ id: String, provinces: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let admin = try fixtureTokens.token("fixture-admin") { try token("fixture-admin", .admin) }
        let approver = try fixtureTokens.token("fixture-approver") { try token("fixture-approver", .approver) }
        for (token, body) in [(admin, "[\(Sample.proposal(id)),\(Sample.location(id, provinces))]"), (approver, Sample.approval(id)),
                              (admin, Sample.disbursement(id, "D-1"))] {
            let reply = request("POST", "/v1/events", token: token, body: body)
            XCTAssertEqual(reply.status, 201, reply.text, file: file, line: line)
        }
        let flagId = Flag.id(rule: "disbursement-above-commitment", subject: .project(id))
        let flags = try store.withProjectionSnapshot { try FlagTable.all(in: $0) }
        XCTAssertTrue(flags.contains { $0.id == flagId }, "no \(flagId) among \(flags.map(\.id))", file: file, line: line)
        return flagId
    }

    /// Adds a user and returns their token.
    func token(_ name: String, _ role: Role, _ province: Province? = nil) throws -> String {
        try users.add(name: name, role: role, province: province)
    }
}

/// Tokens by user name, each made once.
final class TokenCache: @unchecked Sendable {
    private let lock = NSLock()
    private var tokens: [String: String] = [:]
    func token(_ name: String, _ make: () throws -> String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let token = tokens[name] { return token }
        let token = try make()
        tokens[name] = token
        return token
    }
}

/// Hands a reply from URLSession's delegate queue to the waiting test thread.
final class ReplyBox: @unchecked Sendable {
    private let lock = NSLock()
    private var reply: ServiceHarness.Reply?
    func set(_ value: ServiceHarness.Reply) { lock.lock(); reply = value; lock.unlock() }
    func get() -> ServiceHarness.Reply? { lock.lock(); defer { lock.unlock() }; return reply }
}

/// Events of the catalogue's examples, as request bodies.
enum Sample {
    static func proposal(_ id: String) -> String {
        """
        {"stream":"project:\(id)","type":"ProjectProposed","payload":{"projectId":"\(id)","title":"Rural water supply",\
        "developmentPartner":"XM-DAC-41114","implementingAgency":"LA-MPWT","plannedStartDate":"2024-01-01",\
        "plannedEndDate":"2027-12-31","estimatedCost":{"amount":"1250000.00","currency":"USD"},"sectorWorkingGroup":"infrastructure"}}
        """
    }

    static func location(_ id: String, _ provinces: [String]) -> String {
        let share = 100 / provinces.count
        let parts = provinces.enumerated().map { index, code in
            "{\"province\":\"\(code)\",\"percentage\":\"\(index == 0 ? 100 - share * (provinces.count - 1) : share)\"}"
        }
        return "{\"stream\":\"project:\(id)\",\"type\":\"LocationAllocationRevised\",\"payload\":{\"allocations\":[\(parts.joined(separator: ","))]}}"
    }

    static func approval(_ id: String) -> String {
        """
        {"stream":"project:\(id)","type":"ProjectApproved","payload":{"approvingAuthority":"MPI",\
        "approvalReference":"MPI/DIC/2024/0231","approvalDate":"2024-02-15"}}
        """
    }

    static func commitment(_ id: String, _ transaction: String) -> String {
        """
        {"stream":"project:\(id)","type":"CommitmentRecorded","payload":{"transactionId":"\(transaction)","date":"2024-02-20",\
        "amount":{"amount":"1000.00","currency":"USD"},"provider":"XM-DAC-41114"}}
        """
    }

    static func disbursement(_ id: String, _ transaction: String, amount: String = "50000.00") -> String {
        """
        {"stream":"project:\(id)","type":"DisbursementRecorded","payload":{"transactionId":"\(transaction)","date":"2024-04-02",\
        "amount":{"amount":"\(amount)","currency":"USD"},"provider":"XM-DAC-41114","receiver":"LA-MPWT"}}
        """
    }

    static let organisation = """
        {"stream":"org:XM-DAC-41114","type":"OrganisationRegistered","payload":{"organisationId":"XM-DAC-41114",\
        "name":"United Nations Development Programme","organisationType":"40","iatiIdentifier":"XM-DAC-41114"}}
        """
}

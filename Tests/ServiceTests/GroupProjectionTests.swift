import CanonicalJSON
import EventLog
import Foundation
import Inspection
import ODA
import SQLite
import XCTest
import TestSupport

/// A group commit applies the projectors once per group (the fast path). These tests hold it to
/// the reference: the same members appended one by one with `EventStore.append`, each projected
/// in its own transaction, must leave every table of the ledger file identical and give every
/// member the same result.
final class GroupProjectionTests: TemporaryDirectoryTestCase {
    private let alice = try! Actor(id: "user:alice", role: "recorder")
    private let bob = try! Actor(id: "user:bob", role: "approver")

    /// A store with a fixed clock (so two stores fed the same events hold the same bytes) and the
    /// projectors `projectors` builds, registered in that order.
    private func makeStore(_ name: String, _ projectors: () -> [any Projector]) throws -> EventStore {
        var options = EventStore.Options()
        options.clock = { Timestamp(microsecondsSinceEpoch: 1_717_200_000_000_000) }
        let store = try EventStore.create(at: directory.appendingPathComponent(name).path, options: options)
        for projector in projectors() { try store.register(projector) }
        return store
    }

    private static func events(_ bodies: String...) throws -> [ProposedEvent] {
        try bodies.map { try ProposedEvent(json: JSONValue.parse($0)) }
    }

    /// Every row of every table of the file, table by table, in a fixed order; `ledger_meta` (the
    /// ledger's own identity and creation time, different for every file) is left out.
    private func rows(of store: EventStore) throws -> [String: [[SQLValue]]] {
        let connection = try Connection(path: store.path, mode: .readOnly)
        let tables = try connection.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> 'ledger_meta' ORDER BY name")
        var names: [String] = []
        while try tables.step() { names.append(tables.text(at: 0)) }
        var dump: [String: [[SQLValue]]] = [:]
        for name in names {
            let select = try connection.prepare("SELECT * FROM \"\(name)\"")
            var all: [[SQLValue]] = []
            while try select.step() { all.append((0 ..< select.columnCount).map { select.value(at: $0) }) }
            dump[name] = all.sorted { "\($0)" < "\($1)" }
        }
        return dump
    }

    /// What a member's result says, comparable across the two paths.
    private static func summary(_ result: Result<[AppendOutcome], AppendError>) -> String {
        switch result {
        case let .success(outcomes):
            outcomes.map { "\($0.event.seq)/\($0.event.hash.hex)/\($0.wasAlreadyRecorded)" }.joined(separator: ",")
        case let .failure(error):
            "failure: \(error)"
        }
    }

    /// Appends `members` as one group on a fresh store, and one by one on another; asserts equal
    /// results and equal files, and returns the group's results and the grouped file's rows.
    @discardableResult
    private func assertGroupMatchesOneByOne(_ members: [GroupMember], seed: [GroupMember] = [],
                                            projectors: () -> [any Projector],
                                            file: StaticString = #filePath, line: UInt = #line) throws
        -> (results: [Result<[AppendOutcome], AppendError>], rows: [String: [[SQLValue]]]) {
        let grouped = try makeStore("grouped.sqlite", projectors)
        let single = try makeStore("single.sqlite", projectors)
        for member in seed {
            _ = try grouped.append(member.events, actor: member.actor)
            _ = try single.append(member.events, actor: member.actor)
        }
        let groupResults = grouped.appendGroup(members)
        let singleResults = members.map { member in
            Result { () throws(AppendError) -> [AppendOutcome] in try single.append(member.events, actor: member.actor) }
        }
        XCTAssertEqual(groupResults.map(Self.summary), singleResults.map(Self.summary), file: file, line: line)
        let groupedRows = try rows(of: grouped)
        let singleRows = try rows(of: single)
        XCTAssertEqual(groupedRows.keys.sorted(), singleRows.keys.sorted(), file: file, line: line)
        for table in groupedRows.keys.sorted() {
            XCTAssertEqual(groupedRows[table], singleRows[table], "table \(table) differs", file: file, line: line)
        }
        XCTAssertTrue(try ChainVerifier(store: grouped).verify().findings.isEmpty, file: file, line: line)
        return (groupResults, groupedRows)
    }

    /// The ledger's real projectors (project state, flags, cases, population flags) over a group
    /// whose members depend on each other, conflict, retry and raise flags.
    func testAGroupProjectedOnceLeavesEveryTableAsOneByOneAppendsDo() throws {
        let seed = [
            GroupMember(events: try Self.events(Sample.organisation), actor: alice),
            GroupMember(events: try Self.events(Sample.proposal("P-0"), Sample.location("P-0", ["LA-VT"])), actor: alice),
        ]
        var retry = try Self.events(Sample.commitment("P-0", "C-9"))
        retry[0].idempotencyKey = "commit-P-0"
        var conflicting = try Self.events(Sample.proposal("P-X"))
        conflicting[0].expectedVersion = 5
        let members = [
            GroupMember(events: try Self.events(Sample.proposal("P-1"), Sample.location("P-1", ["LA-VT", "LA-XA"])), actor: alice),
            GroupMember(events: try Self.events(Sample.approval("P-1")), actor: bob),
            GroupMember(events: retry, actor: alice),
            GroupMember(events: conflicting, actor: alice),
            GroupMember(events: try Self.events(Sample.commitment("P-1", "C-1"), Sample.disbursement("P-1", "D-1")), actor: alice),
            // The same key again within the group: answered with the event recorded two members earlier.
            GroupMember(events: retry, actor: alice),
            GroupMember(events: [], actor: alice),
            GroupMember(events: try Self.events(Sample.disbursement("P-0", "D-2", amount: "2500000.00")), actor: alice),
            GroupMember(events: try Self.events(Sample.proposal("P-2")), actor: bob),
        ]
        let (results, rows) = try assertGroupMatchesOneByOne(members, seed: seed) {
            [ProjectStateProjector(), FlagProjector(), CaseProjector(), PopulationFlagProjector()]
        }
        XCTAssertEqual(results.count(where: { if case .success = $0 { true } else { false } }), 7)
        // The comparison covers real work: the group raised flags and projected its projects.
        XCTAssertFalse(rows[FlagTable.name]?.isEmpty ?? true, "the group should have raised flags")
        XCTAssertEqual(rows["proj_projects"]?.count, 3)
    }

    /// A projector that refuses one member's event: the group falls back to projecting member by
    /// member, so that member alone fails (as its own append would) and the others commit.
    func testAProjectorRefusingOneMemberFailsThatMemberOnly() throws {
        func noted(_ stream: String, _ n: Int64) throws -> ProposedEvent {
            try ProposedEvent(stream: stream, type: "Noted", payload: ["n": .integer(n)])
        }
        let members = [
            GroupMember(events: [try noted("doc:a", 1), try noted("doc:b", 2)], actor: alice),
            GroupMember(events: [try noted("doc:c", 3), try noted("doc:a", Refusing.refused)], actor: alice),
            GroupMember(events: [try noted("doc:a", 4)], actor: bob),
        ]
        let results = try assertGroupMatchesOneByOne(members) { [CallCounter(), Refusing()] }.results
        XCTAssertEqual(try results[0].get().map(\.event.seq), [1, 2])
        guard case let .failure(.store(error)) = results[1] else { return XCTFail("\(results[1])") }
        XCTAssertTrue("\(error)".contains("refusing"), "\(error)")
        XCTAssertEqual(try results[2].get().map(\.event.seq), [3])
    }

    /// The fast path is the one taken: one group, one call per projector with all its new events.
    func testAGroupCallsEachProjectorOnceWithAllItsNewEvents() throws {
        let counter = CallCounter()
        let store = try makeStore("counted.sqlite") { [counter] }
        let members = try (0 ..< 5).map { n in
            GroupMember(events: [try ProposedEvent(stream: "doc:\(n)", type: "Noted", payload: ["n": .integer(Int64(n))])], actor: alice)
        }
        let results = store.appendGroup(members)
        XCTAssertTrue(results.allSatisfy { if case .success = $0 { true } else { false } }, "\(results)")
        XCTAssertEqual(counter.calls, [[1, 2, 3, 4, 5]])
        XCTAssertEqual(try store.projectionPosition(counter.name), 5)
    }
}


/// Records the seqs of each `apply` call.
private final class CallCounter: Projector, @unchecked Sendable {
    let name = "call-counter"
    let tableNames = ["test_calls"]
    private let lock = NSLock()
    private var seen: [[Int64]] = []

    var calls: [[Int64]] { lock.lock(); defer { lock.unlock() }; return seen }

    func createTables(in database: ProjectionDatabase, prefix: String) throws {
        try database.execute("CREATE TABLE IF NOT EXISTS \(prefix)test_calls (seq INTEGER PRIMARY KEY) STRICT")
    }

    func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws {
        for event in events { try database.execute("INSERT INTO \(prefix)test_calls (seq) VALUES (?1)", [.integer(event.seq)]) }
        lock.lock()
        seen.append(events.map(\.seq))
        lock.unlock()
    }
}

/// Refuses any event whose payload `n` is ``refused``; records the others.
private struct Refusing: Projector {
    static let refused: Int64 = 13
    let name = "refusing"
    let tableNames = ["test_refusing"]

    struct Refusal: Error, CustomStringConvertible {
        let seq: Int64
        var description: String { "refusing seq \(seq)" }
    }

    func createTables(in database: ProjectionDatabase, prefix: String) throws {
        try database.execute("CREATE TABLE IF NOT EXISTS \(prefix)test_refusing (seq INTEGER PRIMARY KEY) STRICT")
    }

    func apply(_ events: [RecordedEvent], in database: ProjectionDatabase, prefix: String) throws {
        for event in events {
            if event.envelope.payload["n"] == .integer(Self.refused) { throw Refusal(seq: event.seq) }
            try database.execute("INSERT INTO \(prefix)test_refusing (seq) VALUES (?1)", [.integer(event.seq)])
        }
    }
}

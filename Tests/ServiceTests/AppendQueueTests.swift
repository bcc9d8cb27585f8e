import EventLog
import Foundation
import Service
import SQLite
import XCTest
import TestSupport

/// The group commit's hand-over API: completions instead of waiting threads, a committer thread
/// that takes over under load and ends when idle.
final class AppendQueueTests: TemporaryDirectoryTestCase {
    private var path: String { directory.appendingPathComponent("ledger.sqlite").path }
    private let alice = try! Actor(id: "user:alice", role: "recorder")

    override func setUpWithError() throws {
        try super.setUpWithError()
    }

    /// Each completion runs once, and only once its events are committed: another connection on
    /// the file (as another process would) already sees them when the completion runs.
    func testEachCompletionRunsOnceAndOnlyAfterItsCommit() throws {
        let store = try EventStore.create(at: path)
        let observer = try HeadObserver(path: path)
        let queue = AppendQueue(store: store)
        let clients = 32, each = 4
        let calls = Counter(), early = Counter(), failures = Counter()
        let group = DispatchGroup()
        for client in 0 ..< clients {
            group.enter()
            let alice = alice
            Thread {
                defer { group.leave() }
                for n in 0 ..< each {
                    let answered = DispatchSemaphore(value: 0)
                    let events = [try! ProposedEvent(stream: "doc:s\(client)", type: "Noted", payload: ["n": .integer(Int64(n))],
                                                     expectedVersion: Int64(n))]
                    queue.submit(events, actor: alice) { result in
                        defer { answered.signal() }
                        calls.add()
                        guard case let .success(outcomes) = result, let seq = outcomes.first?.event.seq else {
                            failures.add()
                            return
                        }
                        if observer.head() < seq { early.add() }
                    }
                    answered.wait()
                }
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(calls.value, clients * each, "one completion per submission")
        XCTAssertEqual(failures.value, 0)
        XCTAssertEqual(early.value, 0, "a completion ran before its events were committed")
        XCTAssertEqual(try store.head().seq, Int64(clients * each))
        let statistics = queue.statistics
        XCTAssertEqual(statistics.requests, Int64(clients * each))
        XCTAssertLessThan(statistics.groups, Int64(clients * each), "concurrent submissions should share transactions")
    }

    /// Under load the committer thread takes over; once idle it ends, and the queue (with the
    /// store it holds) is freed.
    func testTheCommitterTakesOverUnderLoadAndAnIdleQueueIsFreed() throws {
        weak var released: AppendQueue?
        do {
            let store = try EventStore.create(at: path)
            let queue = AppendQueue(store: store)
            released = queue
            let alice = alice
            DispatchQueue.concurrentPerform(iterations: 24) { client in
                for n in 0 ..< 5 {
                    let events = [try! ProposedEvent(stream: "doc:c\(client)", type: "Noted", payload: [:], expectedVersion: Int64(n))]
                    if case let .failure(error) = queue.append(events, actor: alice) { XCTFail("\(error)") }
                }
            }
            XCTAssertEqual(try store.head().seq, 120)
            XCTAssertGreaterThan(queue.statistics.handOffs, 0, "concurrent requests should have been handed to the committer thread")
        }
        let deadline = Date().addingTimeInterval(5)
        while released != nil, Date() < deadline { usleep(20_000) }
        XCTAssertNil(released, "the idle committer thread must not keep the queue alive")
    }

    /// A lone request commits on its own thread: its completion has run when `submit` returns.
    func testALoneSubmissionCompletesBeforeSubmitReturns() throws {
        let queue = AppendQueue(store: try EventStore.create(at: path))
        let calls = Counter()
        queue.submit([try ProposedEvent(stream: "doc:one", type: "Noted", payload: [:])], actor: alice) { result in
            if case .success = result { calls.add() }
        }
        XCTAssertEqual(calls.value, 1)
        XCTAssertEqual(queue.statistics.handOffs, 0)
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

/// The head seq as another connection on the ledger file sees it (as another process would).
final class HeadObserver: @unchecked Sendable {
    private let lock = NSLock()
    private let connection: Connection

    init(path: String) throws {
        connection = try Connection(path: path, mode: .readOnly)
    }

    /// -1 when the file cannot be read.
    func head() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        return ((try? connection.scalarInt64("SELECT coalesce(max(seq), 0) FROM events")) ?? nil) ?? -1
    }
}

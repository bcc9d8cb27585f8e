import CanonicalJSON
import EventLog
import Foundation
import ODA
import Synchronization

/// A clock a scenario sets by hand: `EventStore.Options.clock` reads it, the loader moves it to
/// each line's `recordedAt` before appending that line. Only for synthetic ledgers (the demo,
/// the detection benchmark, tests); a real deployment uses the system clock.
public final class ScenarioClock: Sendable {
    private let current: Mutex<Timestamp>

    public init(_ start: Timestamp) {
        current = Mutex(start)
    }

    public func set(_ time: Timestamp) {
        current.withLock { $0 = time }
    }

    public func now() -> Timestamp {
        current.withLock { $0 }
    }

    /// Options for a store whose `recordedAt` comes from this clock.
    public func storeOptions(durability: EventStore.Options.Durability = .normal) -> EventStore.Options {
        var options = EventStore.Options()
        options.durability = durability
        options.clock = { [self] in now() }
        return options
    }
}

/// What went wrong reading or recording a generated portfolio, naming the file and line.
public struct SyntheticPortfolioError: Error, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let reason: String
    public var description: String { "\(file) line \(line): \(reason)" }
}

/// The output of `Tools/generate_portfolio.py`: events in the form `oda-ledger append` reads, each
/// line with the `actor` who records it, the `recordedAt` time it is recorded at and, for a
/// reversal, `reversesKey` (the idempotency key of the reversed event, whose seq the loader fills
/// in as `payload.reversedSeq`).
public struct SyntheticPortfolio: Sendable {
    public struct Line: Sendable {
        public let number: Int
        public let event: ProposedEvent
        public let actor: Actor
        public let recordedAt: Timestamp
        public let reversesKey: String?
    }

    public let file: String
    public let lines: [Line]

    /// Reads and checks every line (JSON, the request form, actor, time); appends nothing.
    public init(contentsOf file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SyntheticPortfolioError(file: file, line: 0, reason: "cannot be read: no such file, or not readable")
        }
        self.file = file
        var lines: [Line] = []
        var number = 0
        for raw in [UInt8](data).split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            guard raw.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) else { continue }
            func fail(_ reason: String) -> SyntheticPortfolioError { SyntheticPortfolioError(file: file, line: number, reason: reason) }
            guard case var .object(object)? = try? JSONValue.parse(raw) else { throw fail("not a JSON object") }
            func take(_ key: String) -> JSONValue? {
                defer { object[key] = JSONValue?.none }
                return object[key]
            }
            guard case let .string(actorID)? = take("actor") else { throw fail("needs \"actor\", the id of who records it") }
            guard case let .string(time)? = take("recordedAt"), let recordedAt = Timestamp.parse(time) else {
                throw fail("needs \"recordedAt\", an RFC 3339 time")
            }
            var reversesKey: String?
            if let member = take("reversesKey") {
                guard case let .string(key) = member else { throw fail("\"reversesKey\" must be a string") }
                reversesKey = key
            }
            if let last = lines.last, recordedAt < last.recordedAt {
                throw fail("recordedAt \(time) is earlier than the line before; the ledger's clock never goes backwards")
            }
            do {
                lines.append(Line(number: number, event: try ProposedEvent(json: .object(object)), actor: try Actor(id: actorID),
                                  recordedAt: recordedAt, reversesKey: reversesKey))
            } catch {
                throw fail("\(error)")
            }
        }
        self.lines = lines
    }

    /// Appends every line through the validated path: each with its own actor, the clock set to
    /// its `recordedAt`. Consecutive lines with the same actor and time go in one batch. Returns
    /// the seq recorded for each idempotency key. A refused line stops the load and names itself.
    @discardableResult
    public func append(into store: EventStore, clock: ScenarioClock, validator: EventValidator) throws -> [String: Int64] {
        var seqs: [String: Int64] = [:]
        var index = 0
        while index < lines.count {
            var end = index + 1
            while end < lines.count, lines[end].actor == lines[index].actor, lines[end].recordedAt == lines[index].recordedAt,
                  lines[end].reversesKey == nil {
                end += 1
            }
            var batch: [ProposedEvent] = []
            for line in lines[index..<end] {
                var event = line.event
                if let key = line.reversesKey {
                    guard let seq = seqs[key] else {
                        throw SyntheticPortfolioError(file: file, line: line.number, reason: "reversesKey \(key) names no event recorded before it")
                    }
                    event.payload["reversedSeq"] = .integer(seq)
                }
                batch.append(event)
            }
            clock.set(lines[index].recordedAt)
            do {
                let outcomes = try store.appendValidated(batch, actor: lines[index].actor, validator: validator)
                for (line, outcome) in zip(lines[index..<end], outcomes) {
                    if let key = line.event.idempotencyKey { seqs[key] = outcome.event.seq }
                }
            } catch let error as ValidationError {
                let line = lines[index + error.index]
                throw SyntheticPortfolioError(file: file, line: line.number, reason: "\(line.event.type) refused: \(error)")
            } catch {
                throw SyntheticPortfolioError(file: file, line: lines[index].number, reason: "\(error)")
            }
            index = end
        }
        return seqs
    }
}

import EventLog
import ODA

/// Reads the few members the rules need straight from an event's stored canonical bytes,
/// without building a JSON tree or re-serialising to check canonical form (what
/// `EventEnvelope(canonicalBytes:)` does, and what made a full evaluation slow).
///
/// The bytes come from `EventStore.readStored`, which has already checked that they are a
/// canonical ledger envelope, so this reader only walks them: RFC 8785 objects have sorted keys,
/// no whitespace, strings escaped only where they must be, and (in this ledger) integers only.
/// Anything it does not expect makes it give up (nil), and the caller decodes the event in full;
/// so it can be slower on odd input but never different. `ProjectFact(stored:)` is held to
/// `ProjectFact(_: EventEnvelope)` by a test over generated events.
struct StoredEventReader {
    /// A JSON value found in the bytes: where it is and what it starts as.
    struct Value {
        let range: Range<Int>
        let first: UInt8
    }

    let bytes: [UInt8]

    /// The top-level members of the envelope object, nil when it is not an object.
    func members(of value: Value? = nil) -> [(key: Range<Int>, value: Value)]? {
        var i = value?.range.lowerBound ?? 0
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var out: [(key: Range<Int>, value: Value)] = []
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { return out }
        while true {
            guard let key = stringRange(at: &i), i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            let start = i
            guard start < bytes.count, skipValue(at: &i) else { return nil }
            out.append((key, Value(range: start..<i, first: bytes[start])))
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "}") { return out }
            guard bytes[i] == UInt8(ascii: ",") else { return nil }
            i += 1
        }
    }

    /// The member named `name` among `members` (keys compared as raw bytes: a name the rules
    /// look for is plain ASCII, which canonical JSON never escapes).
    func member(_ name: StaticString, in members: [(key: Range<Int>, value: Value)]) -> Value? {
        let count = name.utf8CodeUnitCount
        let start = name.utf8Start
        outer: for m in members where m.key.count == count {
            var k = m.key.lowerBound
            for j in 0..<count {
                if bytes[k] != start[j] { continue outer }
                k += 1
            }
            return m.value
        }
        return nil
    }

    /// The string a value holds, unescaped; nil when it is not a string.
    func string(_ value: Value?) -> String?? {
        guard let value else { return .some(nil) }
        guard value.first == UInt8(ascii: "\"") else { return .some(nil) }
        let inner = (value.range.lowerBound + 1)..<(value.range.upperBound - 1)
        guard bytes[inner].contains(UInt8(ascii: "\\")) else { return .some(String(decoding: bytes[inner], as: UTF8.self)) }
        guard let text = unescaped(inner) else { return nil }
        return .some(text)
    }

    /// The integer a value holds; `.some(nil)` when it is not an integer, nil when unreadable.
    func integer(_ value: Value?) -> Int64?? {
        guard let value else { return .some(nil) }
        guard value.first == UInt8(ascii: "-") || (value.first >= 0x30 && value.first <= 0x39) else { return .some(nil) }
        var i = value.range.lowerBound
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var n: Int64 = 0
        guard i < value.range.upperBound else { return nil }
        while i < value.range.upperBound {
            let d = bytes[i]
            guard d >= 0x30 && d <= 0x39 else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d - 0x30))
            guard !o1, !o2 else { return nil }
            n = s
            i += 1
        }
        return .some(negative ? -n : n)
    }

    /// Whether a value is the literal `true`.
    func isTrue(_ value: Value?) -> Bool {
        guard let value else { return false }
        return value.first == UInt8(ascii: "t")
    }

    // MARK: scanning

    private func stringRange(at i: inout Int) -> Range<Int>? {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        let start = i
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                let r = start..<i
                i += 1
                return r
            case UInt8(ascii: "\\"):
                i += 2
            default:
                i += 1
            }
        }
        return nil
    }

    private func skipValue(at i: inout Int, depth: Int = 0) -> Bool {
        guard i < bytes.count, depth < 64 else { return false }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            return stringRange(at: &i) != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = bytes[i] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            i += 1
            if i < bytes.count, bytes[i] == close { i += 1; return true }
            while true {
                if isObject {
                    guard stringRange(at: &i) != nil, i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
                    i += 1
                }
                guard skipValue(at: &i, depth: depth + 1), i < bytes.count else { return false }
                if bytes[i] == close { i += 1; return true }
                guard bytes[i] == UInt8(ascii: ",") else { return false }
                i += 1
            }
        case UInt8(ascii: "t"):
            i += 4
            return i <= bytes.count
        case UInt8(ascii: "f"):
            i += 5
            return i <= bytes.count
        case UInt8(ascii: "n"):
            i += 4
            return i <= bytes.count
        default:
            // A number: this ledger stores integers only; a fraction or exponent is left to the full decoder.
            let start = i
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i > start && (i == bytes.count || bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: "}")
                                 || bytes[i] == UInt8(ascii: "]"))
        }
    }

    private func hex(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: UInt32(b - 0x30)
        case 0x61...0x66: UInt32(b - 0x61 + 10)
        case 0x41...0x46: UInt32(b - 0x41 + 10)
        default: nil
        }
    }

    /// The text of a string body holding escapes; nil when an escape is malformed.
    private func unescaped(_ range: Range<Int>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        func unit(at j: Int) -> UInt32? {
            guard j + 4 <= range.upperBound, let a = hex(bytes[j]), let b = hex(bytes[j + 1]), let c = hex(bytes[j + 2]),
                  let d = hex(bytes[j + 3]) else { return nil }
            return a << 12 | b << 8 | c << 4 | d
        }
        while i < range.upperBound {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            guard i + 1 < range.upperBound else { return nil }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = unit(at: i) else { return nil }
                i += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 6 <= range.upperBound, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                          let low = unit(at: i + 2), (0xDC00..<0xE000).contains(low) else { return nil }
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let s = Unicode.Scalar(scalar) else { return nil }
                out.append(contentsOf: Array(String(Character(s)).utf8))
            default:
                return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension ProjectFact {
    /// What `ProjectFact(_: EventEnvelope)` gives for the event these stored bytes hold, read
    /// without decoding the whole envelope: `.some(fact or nil)` when the bytes could be read,
    /// nil when the caller must decode the event in full to find out. `recordedAt` and `actor`
    /// are read as well, since every project event moves its project's last recording time.
    static func read(stored bytes: [UInt8], type: String, seq: Int64) -> (fact: ProjectFact?, recordedAt: Timestamp)? {
        let reader = StoredEventReader(bytes: bytes)
        guard let top = reader.members(),
              let recordedText = reader.string(reader.member("recordedAt", in: top)), let recordedText,
              let recordedAt = Timestamp.parse(recordedText) else { return nil }
        guard let kind = Self.kind(of: type) else { return (nil, recordedAt) }
        guard let actorValue = reader.member("actor", in: top), let actorMembers = reader.members(of: actorValue),
              let actorText = reader.string(reader.member("id", in: actorMembers)), let actor = actorText,
              let payloadValue = reader.member("payload", in: top), let p = reader.members(of: payloadValue) else { return nil }
        // Each field as `ProjectFact(_:)` reads it; a double optional's outer nil means "unreadable, decode in full".
        var unreadable = false
        func text(_ key: StaticString) -> String? {
            guard let v = reader.string(reader.member(key, in: p)) else { unreadable = true; return nil }
            return v
        }
        func integer(_ key: StaticString) -> Int64? {
            guard let v = reader.integer(reader.member(key, in: p)) else { unreadable = true; return nil }
            return v
        }
        func amount(_ key: StaticString) -> Amount? {
            guard let value = reader.member(key, in: p) else { return nil }
            guard value.first == UInt8(ascii: "{") else { return nil }
            guard let inner = reader.members(of: value) else { unreadable = true; return nil }
            guard let units = reader.string(reader.member("amount", in: inner)),
                  let code = reader.string(reader.member("currency", in: inner)) else { unreadable = true; return nil }
            guard let units, let code else { return nil }
            return try? Amount(units, currency: code)
        }
        let fact: ProjectFact?
        switch kind {
        case .window:
            let proposed = type == "ProjectProposed"
            let start = proposed ? text("plannedStartDate") : text("startDate")
            let end = proposed ? text("plannedEndDate") : text("endDate")
            if let start, CalendarDate(start) != nil, let end, CalendarDate(end) != nil {
                fact = ProjectFact(seq: seq, kind: .window, actor: actor, recordedAt: recordedAt, period: start, periodEnd: end)
            } else {
                fact = nil
            }
        case .approval:
            fact = ProjectFact(seq: seq, kind: .approval, actor: actor, recordedAt: recordedAt,
                               number: reader.isTrue(reader.member("selfApproved", in: p)) ? 1 : 0)
        case .commitment, .disbursement, .expenditure, .counterpart:
            if let value = amount("amount") {
                fact = ProjectFact(seq: seq, kind: kind, actor: actor, recordedAt: recordedAt, date: text("date"), amount: value,
                                   party: text("payee") ?? text("receiver"),
                                   reference: kind == .expenditure ? text("invoiceNumber") : kind == .counterpart ? text("kind") : nil,
                                   number: kind == .counterpart ? integer("fiscalYear") : nil)
            } else {
                fact = nil
            }
        case .budgetPlanned, .budgetRevised:
            let revision = kind == .budgetRevised
            fact = ProjectFact(seq: seq, kind: kind, actor: actor, recordedAt: recordedAt,
                               amount: revision ? amount("newAmount") : amount("amount"), line: text("budgetLineId"),
                               period: text("periodStart"), periodEnd: text("periodEnd"))
        case .periodLocked, .reopenApproved:
            fact = ProjectFact(seq: seq, kind: kind, actor: actor, recordedAt: recordedAt, line: text("budgetLineId"),
                               period: text("periodStart"))
        case .reversal:
            fact = integer("reversedSeq").map { ProjectFact(seq: seq, kind: .reversal, actor: actor, recordedAt: recordedAt, number: $0) }
        }
        return unreadable ? nil : (fact, recordedAt)
    }

    /// The kind of fact an event type gives, nil for types no rule looks at.
    static func kind(of type: String) -> Kind? {
        switch type {
        case "ProjectProposed", "ProjectDatesRevised": .window
        case "ProjectApproved": .approval
        case "CommitmentRecorded": .commitment
        case "DisbursementRecorded": .disbursement
        case "ExpenditureRecorded": .expenditure
        case "CounterpartContributionRecorded": .counterpart
        case "AnnualBudgetPlanned": .budgetPlanned
        case "AnnualBudgetRevised": .budgetRevised
        case "BudgetPeriodLocked": .periodLocked
        case "BudgetReopenApproved": .reopenApproved
        case "TransactionReversed": .reversal
        default: nil
        }
    }
}

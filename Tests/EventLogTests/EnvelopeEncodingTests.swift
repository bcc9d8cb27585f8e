import CanonicalJSON
import Crypto
@testable import EventLog
import SQLite
import TestSupport
import XCTest

/// The append path serializes envelopes with its own one-pass writer (`EnvelopeEncoding.swift`);
/// the reference is the RFC 8785 serializer applied to the envelope's `jsonValue`. Any byte of
/// difference would change hashes depending on which path wrote them, so the two are compared on
/// many random envelopes, including the awkward cases of RFC 8785.
final class EnvelopeEncodingTests: XCTestCase {
    /// Scalars that exercise every branch of string serialization: plain ASCII, the escaped
    /// characters, other controls, DEL, `/`, non-ASCII in two to four UTF-8 bytes, U+2028/U+2029,
    /// and scalars either side of the UTF-16 surrogate range (which decides key order).
    static let alphabet: [Unicode.Scalar] = [
        "a", "Z", "0", "9", "-", ":", " ", "/", "\"", "\\", "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}",
        "\u{1F}", "\u{7F}", "\u{80}", "é", "ວ", "ຽ", "€", "\u{2028}", "\u{2029}", "\u{D7FF}", "\u{E000}", "\u{FFFD}",
        "\u{FFFF}", "\u{10000}", "😀", "\u{10FFFF}",
    ]

    /// The alphabet without I-JSON's noncharacters, which the parser refuses on reading back.
    static let readableAlphabet = alphabet.filter { $0 != "\u{FFFF}" && $0 != "\u{10FFFF}" }

    func randomString(_ g: inout SplitMix64, maxLength: Int = 24, readable: Bool = false) -> String {
        var s = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...maxLength, using: &g) {
            // Mostly ASCII letters (the common case has its own fast path), sometimes anything.
            if Bool.random(using: &g) {
                s.append(Unicode.Scalar(UInt8.random(in: 0x61...0x7A, using: &g)))
            } else {
                s.append((readable ? Self.readableAlphabet : Self.alphabet).randomElement(using: &g)!)
            }
        }
        return String(s)
    }

    func randomInteger(_ g: inout SplitMix64) -> Int64 {
        switch Int.random(in: 0..<6, using: &g) {
        case 0: return Int64.random(in: -10...10, using: &g)
        case 1: return Int64.random(in: 1...1_000_000, using: &g)
        case 2: return [JSONValue.safeIntegerRange.upperBound, JSONValue.safeIntegerRange.lowerBound, Int64.max, Int64.min,
                        JSONValue.safeIntegerRange.upperBound + 1].randomElement(using: &g)!
        default: return Int64.random(in: Int64.min...Int64.max, using: &g)
        }
    }

    func randomValue(_ g: inout SplitMix64, depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 2 ? 5 : 7), using: &g) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &g))
        case 2: return .integer(randomInteger(&g))
        case 3: return .string(randomString(&g))
        case 4: return .number([0.5, -1e21, 1e-7, 123.456, Double.leastNonzeroMagnitude, 1.7976931348623157e308].randomElement(using: &g)!)
        case 5: return .array((0..<Int.random(in: 0...4, using: &g)).map { _ in randomValue(&g, depth: depth + 1) })
        default: return .object(randomObject(&g, depth: depth + 1))
        }
    }

    func randomObject(_ g: inout SplitMix64, depth: Int) -> JSONObject {
        var o = JSONObject()
        for _ in 0..<Int.random(in: 0...6, using: &g) {
            o[randomString(&g, maxLength: 8)] = randomValue(&g, depth: depth)
        }
        return o
    }

    func randomEnvelope(_ g: inout SplitMix64, actors: [Actor]) -> EventEnvelope {
        func optional(_ g: inout SplitMix64) -> String? { Bool.random(using: &g) ? randomString(&g) : nil }
        var prevBytes = [UInt8](repeating: 0, count: 32)
        for i in prevBytes.indices { prevBytes[i] = UInt8.random(in: 0...255, using: &g) }
        return EventEnvelope(
            seq: randomInteger(&g), stream: randomString(&g), streamVersion: randomInteger(&g), type: randomString(&g),
            schemaVersion: randomInteger(&g), payload: randomObject(&g, depth: 0), actor: actors.randomElement(using: &g)!,
            recordedAt: Timestamp(microsecondsSinceEpoch: Int64.random(in: 0...4_102_444_800_000_000, using: &g)),
            occurredAt: optional(&g), correlationId: optional(&g), causationId: optional(&g),
            idempotencyKey: optional(&g), prev: try! SHA256Digest(bytes: prevBytes))
    }

    func testOnePassEncoderWritesExactlyTheReferenceBytesForRandomEnvelopes() throws {
        let actors = [try Actor(id: "user:a"), try Actor(id: "user:somsack", role: "recorder", unit: "LA-SV"),
                      try Actor(id: "local:root", role: "admin"), try Actor(id: "importer:iati", unit: "LA-VT")]
        var g = SplitMix64(seed: 20_260_301)
        var optionalMembersSeen = Set<String>()
        for round in 0..<3_000 {
            let envelope = randomEnvelope(&g, actors: actors)
            let reference = envelope.jsonValue.canonicalBytes
            let fast = envelope.canonicalBytes(sharing: .init(actor: envelope.actor, recordedAt: envelope.recordedAt))
            guard fast == reference else {
                return XCTFail("round \(round): fast \(String(decoding: fast, as: UTF8.self)) != reference \(String(decoding: reference, as: UTF8.self))")
            }
            XCTAssertEqual(envelope.canonicalBytes, reference)
            if envelope.occurredAt != nil { optionalMembersSeen.insert("occurredAt") }
            if envelope.idempotencyKey != nil { optionalMembersSeen.insert("idempotencyKey") }
        }
        XCTAssertEqual(optionalMembersSeen, ["occurredAt", "idempotencyKey"], "the optional members were both present and absent")
    }

    func testEnvelopesLargerThanTheStackBufferAreWrittenWhole() throws {
        var payload = JSONObject()
        for i in 0..<200 { payload["k\(i)"] = .string("ວຽງຈັນ \"\(i)\" \u{1}") }
        let envelope = EventEnvelope(
            seq: 1, stream: "project:P", streamVersion: 1, type: "NoteAdded", schemaVersion: 1, payload: payload,
            actor: recorder, recordedAt: Timestamp(microsecondsSinceEpoch: 0), occurredAt: nil, correlationId: nil,
            causationId: nil, idempotencyKey: nil, prev: .zero)
        let bytes = envelope.canonicalBytes
        XCTAssertGreaterThan(bytes.count, 4_096)
        XCTAssertEqual(bytes, envelope.jsonValue.canonicalBytes)
    }

    /// What the store writes (body, hash, index columns) is the reference serialization of the
    /// envelope it returns, and reading it back gives the same envelope.
    func testStoredBodiesAreTheReferenceBytesOfTheReturnedEnvelopes() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        var g = SplitMix64(seed: 7)
        var proposed: [ProposedEvent] = []
        for i in 0..<300 {
            var payload = budgetPayload(i)
            payload["note"] = .string(randomString(&g, readable: true))
            payload["count"] = .integer(randomInteger(&g) % JSONValue.safeIntegerRange.upperBound)
            proposed.append(try ProposedEvent(
                stream: "project:P\(i % 13)", type: "AnnualBudgetRevised", payload: payload,
                idempotencyKey: i % 3 == 0 ? "key-\(i)" : nil, occurredAt: i % 5 == 0 ? "2026-03-01" : nil,
                correlationId: i % 7 == 0 ? "corr-\(i)" : nil))
        }
        let outcomes = try store.append(Array(proposed[..<150]), actor: recorder)
            + store.append(Array(proposed[150...]), actor: recorder)
        let raw = try ledger.rawConnection()
        let select = try raw.prepare("SELECT body, hash, type, idempotency_key, stream_version FROM events WHERE seq = ?1")
        for outcome in outcomes {
            let event = outcome.event
            try select.bind([.integer(event.seq)])
            XCTAssertTrue(try select.step())
            let body = select.blob(at: 0)
            XCTAssertEqual(body, event.envelope.jsonValue.canonicalBytes)
            XCTAssertEqual(select.blob(at: 1), SHA256.hash(body).bytes)
            XCTAssertEqual(select.text(at: 2), event.envelope.type)
            XCTAssertEqual(select.optionalText(at: 3), event.envelope.idempotencyKey)
            XCTAssertEqual(select.int64(at: 4), event.envelope.streamVersion)
            XCTAssertEqual(try EventEnvelope(canonicalBytes: body), event.envelope)
            select.reset()
        }
        XCTAssertTrue(try ChainVerifier(store: store).verify().isIntact)
    }
}

/// A proposal whose payload holds a noncharacter would be stored but never read back (the reader
/// is I-JSON strict), so it is refused before anything is written, naming the place.
final class ProposedEventTextTests: XCTestCase {
    func testNoncharactersInPayloadStringsOrKeysAreRefusedWithTheirLocation() throws {
        func text(_ scalar: UInt32) -> String { String(Character(Unicode.Scalar(scalar)!)) }
        let cases: [(JSONObject, String, String)] = [
            (["note": .string("end" + text(0xFFFF))], "/payload/note", "U+FFFF"),
            (["a": .array([.integer(1), .object(["b": .string("x" + text(0xFDD0))])])], "/payload/a/1/b", "U+FDD0"),
            (try JSONObject([("k" + text(0x10FFFE), .string("v"))]), "/payload/k" + text(0x10FFFE), "U+10FFFE"),
            (["ok": "ວຽງຈັນ", "z": .string(text(0x1FFFF))], "/payload/z", "U+1FFFF"),
        ]
        for (payload, pointer, scalar) in cases {
            XCTAssertThrowsError(try ProposedEvent(stream: "project:P", type: "NoteAdded", payload: payload)) { error in
                guard case let .invalidValue(p, reason)? = error as? EnvelopeError else { return XCTFail("\(error)") }
                XCTAssertEqual(p, pointer)
                XCTAssertTrue(reason.contains(scalar), reason)
            }
        }
    }

    func testOtherNonASCIITextIsAcceptedAndReadsBack() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        let payload: JSONObject = ["note": .string("ວຽງຈັນ \u{FFFD} \u{EFFF} \u{FDCF} \u{FDF0} 😀 \u{10FFFD} \u{2028}")]
        let outcome = try store.append([try ProposedEvent(stream: "project:P", type: "NoteAdded", payload: payload)], actor: recorder)
        var read: [RecordedEvent] = []
        try store.read { read.append($0); return true }
        XCTAssertEqual(read.map(\.envelope), outcome.map(\.event.envelope))
        XCTAssertEqual(read.first?.envelope.payload, payload)
    }
}

import Foundation
import SQLite
import XCTest
import TestSupport

/// `withUnsafeBytes(at:)` lends a text column's bytes as they lie in the row, without the copy
/// SQLite makes to add a terminating NUL. It must lend exactly the bytes `text(at:)` reads, tell
/// an empty text from NULL, and leave the column reading as text afterwards.
final class StatementBorrowedTextTests: TemporaryDirectoryTestCase {
    func testLentTextIsTheStoredUTF8AndTheColumnStillReadsAsText() throws {
        let db = try Connection(path: directory.appendingPathComponent("t.sqlite").path, mode: .readWriteCreate)
        try db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, s TEXT, n INTEGER, b BLOB)")
        let texts = ["", "AnnualBudgetRevised", "2026-03-02T02:15:07.123456Z", "ວຽງຈັນ \u{1F600}", String(repeating: "x", count: 5_000)]
        let insert = try db.prepare("INSERT INTO t (k, s, n, b) VALUES (?1, ?2, ?3, ?4)")
        for (k, text) in texts.enumerated() {
            try insert.execute([.integer(Int64(k)), .text(text), .integer(Int64(k) * -1_234), .blob(Array(text.utf8))])
        }
        try insert.execute([.integer(99), .null, .null, .null])
        let select = try db.prepare("SELECT s, n, b FROM t ORDER BY k")
        try select.bind([])
        var seen = 0
        while try select.step() {
            let lent = select.withUnsafeBytes(at: 0) { Array($0) }
            if seen < texts.count {
                XCTAssertEqual(lent, Array(texts[seen].utf8))
                XCTAssertFalse(select.isNull(at: 0), "an empty text is not NULL")
                XCTAssertEqual(select.value(at: 0), .text(texts[seen]), "still text after lending")
                XCTAssertEqual(select.text(at: 0), texts[seen])
                // An integer is lent as its decimal spelling, as text(at:) reads it.
                let number = select.withUnsafeBytes(at: 1) { String(decoding: $0, as: UTF8.self) }
                XCTAssertEqual(number, "\(seen * -1_234)")
                XCTAssertEqual(select.withUnsafeBytes(at: 2) { Array($0) }, Array(texts[seen].utf8))
            } else {
                XCTAssertEqual(lent, [])
                XCTAssertTrue(select.isNull(at: 0), "NULL stays NULL after lending")
                XCTAssertEqual(select.value(at: 0), .null)
            }
            seen += 1
        }
        XCTAssertEqual(seen, texts.count + 1)
    }
}

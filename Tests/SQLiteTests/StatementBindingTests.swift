import Foundation
import SQLite
import XCTest
import TestSupport

/// The binds of the append path: no value array, and a body lent to SQLite without a copy.
final class StatementBindingTests: TemporaryDirectoryTestCase {
    private func rows(_ db: Connection) throws -> [SQLValue] {
        let select = try db.prepare("SELECT k, s, b FROM t ORDER BY k")
        try select.bind([])
        var values: [SQLValue] = []
        while try select.step() { values += [select.value(at: 0), select.value(at: 1), select.value(at: 2)] }
        return values
    }

    func testABorrowedBlobIsStoredAndNotKeptAfterTheCall() throws {
        let db = try Connection(path: directory.appendingPathComponent("t.sqlite").path, mode: .readWriteCreate)
        try db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, s TEXT, b BLOB)")
        let insert = try db.prepare("INSERT INTO t (k, s, b) VALUES (?1, ?2, ?3)")
        var body: [UInt8] = Array("ວຽງຈັນ body".utf8) + [0, 255]
        try insert.bind(Int64(1), at: 1)
        try insert.bind("first" as String?, at: 2)
        try insert.execute(borrowingBlob: body, at: 3)
        // The caller's buffer changes afterwards: what was stored does not.
        body[0] = 0x41
        try insert.bind(Int64(2), at: 1)
        try insert.bind(nil as String?, at: 2)
        try insert.execute(borrowingBlob: [], at: 3)
        // Stepping again without binding the blob stores NULL: SQLite kept no pointer to the
        // borrowed buffer, while the other bindings stayed in place.
        try insert.bind(Int64(3), at: 1)
        while try insert.step() {}
        insert.reset()

        XCTAssertEqual(try rows(db), [
            .integer(1), .text("first"), .blob(Array("ວຽງຈັນ body".utf8) + [0, 255]),
            .integer(2), .null, .blob([]),
            .integer(3), .null, .null,
        ])
    }

    func testAFailedBorrowingExecuteLeavesTheStatementReusable() throws {
        let db = try Connection(path: directory.appendingPathComponent("t.sqlite").path, mode: .readWriteCreate)
        try db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, s TEXT, b BLOB NOT NULL)")
        let insert = try db.prepare("INSERT INTO t (k, s, b) VALUES (?1, ?2, ?3)")
        try insert.bind(Int64(1), at: 1)
        try insert.execute(borrowingBlob: [1], at: 3)
        XCTAssertThrowsError(try insert.execute(borrowingBlob: [2], at: 3)) { error in
            XCTAssertEqual((error as? SQLiteError)?.code, 19, "a duplicate key is a constraint error")
        }
        try insert.bind(Int64(2), at: 1)
        try insert.execute(borrowingBlob: [3], at: 3)
        XCTAssertEqual(try rows(db), [.integer(1), .null, .blob([1]), .integer(2), .null, .blob([3])])
    }
}

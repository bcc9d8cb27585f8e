import Foundation
import SQLite
import XCTest
import TestSupport

final class ConnectionTests: TemporaryDirectoryTestCase {
    private func open(_ mode: Connection.Mode = .readWriteCreate) throws -> Connection {
        try Connection(path: directory.appendingPathComponent("t.sqlite").path, mode: mode)
    }

    func testBindsAndReadsEveryTypeExactly() throws {
        let db = try open()
        try db.execute("CREATE TABLE t(i INTEGER, s TEXT, b BLOB, n TEXT)")
        let insert = try db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)")
        let text = "ວຽງຈັນ \u{0}tail"  // Lao script and an embedded NUL survive
        try insert.execute([.integer(Int64.min), .text(text), .blob([0, 255, 7]), .null])
        try insert.execute([.integer(9_007_199_254_740_991), .text(""), .blob([]), .text("x")])

        let select = try db.prepare("SELECT i, s, b, n FROM t ORDER BY rowid")
        try select.bind([])
        XCTAssertTrue(try select.step())
        XCTAssertEqual(select.int64(at: 0), Int64.min)
        XCTAssertEqual(select.text(at: 1), text, "bound with its byte length: an embedded NUL does not truncate")
        XCTAssertEqual(select.blob(at: 2), [0, 255, 7])
        XCTAssertNil(select.optionalText(at: 3))
        XCTAssertTrue(try select.step())
        XCTAssertEqual(select.int64(at: 0), 9_007_199_254_740_991)
        XCTAssertEqual(select.value(at: 2), .blob([]), "an empty blob is stored as a blob, not NULL")
        XCTAssertFalse(try select.step())
    }

    func testErrorsCarrySQLiteCodeAndMessage() throws {
        let db = try open()
        XCTAssertThrowsError(try db.prepare("SELEC 1")) { error in
            let e = error as! SQLiteError
            XCTAssertEqual(e.codeName, "SQLITE_ERROR")
            XCTAssertTrue(e.message.contains("syntax error"), e.message)
            XCTAssertEqual(e.sql, "SELEC 1")
        }
        try db.execute("CREATE TABLE u(x INTEGER PRIMARY KEY)")
        try db.prepare("INSERT INTO u VALUES (1)").execute()
        XCTAssertThrowsError(try db.prepare("INSERT INTO u VALUES (1)").execute()) { error in
            let e = error as! SQLiteError
            XCTAssertTrue(e.isConstraintViolation)
            XCTAssertEqual(e.extendedCode, 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
        }
    }

    func testTransactionRollsBackEverythingWhenTheBodyThrows() throws {
        struct Refused: Error {}
        let db = try open()
        try db.execute("CREATE TABLE t(x INTEGER)")
        XCTAssertThrowsError(try db.transaction(.immediate) { () throws(Refused) in
            try? db.prepare("INSERT INTO t VALUES (1)").execute()
            throw Refused()
        })
        XCTAssertFalse(db.isInTransaction)
        XCTAssertEqual(try db.scalarInt64("SELECT count(*) FROM t"), 0)
        try db.transaction(.immediate) { () throws(SQLiteError) in
            try db.prepare("INSERT INTO t VALUES (2)").execute()
        }
        XCTAssertEqual(try db.scalarInt64("SELECT sum(x) FROM t"), 2)
    }

    func testReadOnlyConnectionRefusesWritesWithReadOnlyCode() throws {
        let db = try open()
        try db.execute("CREATE TABLE t(x INTEGER)")
        let reader = try open(.readOnly)
        XCTAssertThrowsError(try reader.execute("INSERT INTO t VALUES (1)")) { error in
            XCTAssertTrue((error as! SQLiteError).isReadOnly, "\(error)")
        }
    }

    func testOpeningAMissingFileWithoutCreateFails() throws {
        XCTAssertThrowsError(try open(.readWrite)) { error in
            XCTAssertTrue("\(error)".contains("cannot open"), "\(error)")
        }
    }

    func testUserVersionRoundTrips() throws {
        let db = try open()
        XCTAssertEqual(try db.userVersion(), 0)
        try db.setUserVersion(3)
        XCTAssertEqual(try db.userVersion(), 3)
    }

    func testCachedStatementsAreReusedAndReset() throws {
        let db = try open()
        try db.execute("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2);")
        let a = try db.cached("SELECT x FROM t ORDER BY x")
        try a.bind([])
        XCTAssertTrue(try a.step())
        let b = try db.cached("SELECT x FROM t ORDER BY x")
        XCTAssertTrue(a === b)
        try b.bind([])
        XCTAssertTrue(try b.step())
        XCTAssertEqual(b.int64(at: 0), 1, "a cached statement starts from the first row again")
    }
}

import Foundation
import SQLite
import XCTest
import TestSupport

/// `Statement.execute(_: StatementParameters)` lends its texts to SQLite (`SQLITE_STATIC`) for one
/// execution. It must store exactly what binding copies (`execute([SQLValue])`) stores, and leave
/// nothing bound that points into the buffer once it returns, also when the step fails.
final class StatementParametersTests: TemporaryDirectoryTestCase {
    private func open() throws -> Connection {
        let db = try Connection(path: directory.appendingPathComponent("t.sqlite").path, mode: .readWriteCreate)
        try db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, a TEXT, b TEXT, c)")
        return db
    }

    private func rows(_ db: Connection) throws -> [[SQLValue]] {
        let select = try db.prepare("SELECT k, a, b, c FROM t ORDER BY k")
        try select.bind([])
        var rows: [[SQLValue]] = []
        while try select.step() { rows.append((0..<4).map { select.value(at: $0) }) }
        return rows
    }

    static let values: [[SQLValue]] = [
        [.integer(1), .text(""), .text("ວຽງຈັນ \u{0}tail"), .integer(Int64.min)],
        [.integer(2), .null, .text(String(repeating: "kip ", count: 2_000)), .text("USD")],
        [.integer(3), .text("2026-03-02"), .null, .integer(Int64.max)],
        [.integer(4), .text("\u{1F600}"), .text("expenditure"), .blob([0, 9, 255])],
        [.integer(5), .text("x"), .null, .blob([])],
        [.integer(6), .null, .null, .null],
    ]

    func testLentTextsStoreWhatCopiedTextsStore() throws {
        let copied = try open()
        for row in Self.values { try copied.cached("INSERT INTO t VALUES (?1, ?2, ?3, ?4)").execute(row) }

        try FileManager.default.removeItem(at: directory.appendingPathComponent("t.sqlite"))
        let lent = try open()
        // Two rows per execution, the parameters reused (emptied) between executions.
        let insert = try lent.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4), (?5, ?6, ?7, ?8)")
        var parameters = StatementParameters(parameters: 2, textBytes: 4)
        for pair in stride(from: 0, to: Self.values.count, by: 2) {
            parameters.removeAll()
            for value in Self.values[pair] + Self.values[pair + 1] { parameters.append(value) }
            XCTAssertEqual(parameters.count, 8)
            try insert.execute(parameters)
        }
        XCTAssertEqual(try rows(lent), try rows(copied))
        XCTAssertEqual(try rows(lent), Self.values)
    }

    func testTypedAppendsEqualTheirSQLValues() throws {
        let db = try open()
        var parameters = StatementParameters()
        parameters.append(Int64(7))
        parameters.append(Optional<String>.none)
        parameters.append(Optional("LAK"))
        parameters.append(Optional<Int64>.none)
        try db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)").execute(parameters)
        parameters.removeAll()
        parameters.append(Int64(8))
        parameters.append("x")
        parameters.appendNull()
        parameters.append(Optional<Int64>(-5))
        try db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)").execute(parameters)
        XCTAssertEqual(try rows(db), [[.integer(7), .null, .text("LAK"), .null], [.integer(8), .text("x"), .null, .integer(-5)]])
    }

    /// After `execute` returns, every parameter is NULL again: a plain step of the same statement
    /// (which would read a dangling pointer if a lent text were still bound) stores NULLs. Also
    /// when the execution fails, and parameters beyond those appended are NULL.
    func testNothingStaysBoundAfterTheExecutionEvenWhenItFails() throws {
        let db = try open()
        let insert = try db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)")
        var parameters = StatementParameters()
        parameters.append(Int64(1))
        parameters.append("lent once")
        try insert.execute(parameters)
        XCTAssertEqual(try rows(db), [[.integer(1), .text("lent once"), .null, .null]], "parameters not appended are NULL")

        // The same key again fails on the primary key: the error says so and names the SQL.
        parameters.removeAll()
        parameters.append(Int64(1))
        parameters.append("refused")
        parameters.append("also refused")
        XCTAssertThrowsError(try insert.execute(parameters)) { error in
            guard let error = error as? SQLiteError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.contains("UNIQUE") || error.description.contains("constraint"), "\(error)")
        }
        parameters.removeAll()
        parameters.append("overwritten after the failure")

        XCTAssertFalse(try insert.step(), "an INSERT returns no row")
        insert.reset()
        let stored = try rows(db)
        XCTAssertEqual(stored.count, 2)
        XCTAssertEqual(stored[0], [.integer(1), .text("lent once"), .null, .null])
        XCTAssertEqual(Array(stored[1][1...]), [.null, .null, .null], "no lent text is still bound: \(stored[1])")
    }
}

import Foundation
import XCTest

/// A test case whose every test gets a fresh, empty directory of its own, removed again after the
/// test, so tests that write ledgers, keys or user files never see one another's files.
open class TemporaryDirectoryTestCase: XCTestCase {
    /// This test's directory, `<temporary directory>/<test class>-<UUID>`, created before the test
    /// runs; the class name says which tests left it behind if a crash kept it from being removed.
    public private(set) var directory: URL!

    open override func setUpWithError() throws {
        try super.setUpWithError()
        let name = "\(String(describing: type(of: self)))-\(UUID().uuidString)"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    open override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
        try super.tearDownWithError()
    }
}

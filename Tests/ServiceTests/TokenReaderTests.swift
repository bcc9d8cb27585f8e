import Foundation
import Service
import XCTest

/// The user directory checks tokens on several connections, each remembering what it checked.
/// Whichever connection answers, a revocation or renewal (by this directory or by another
/// process) must refuse the old token on the very next request, and concurrent checks must agree.
final class TokenReaderTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testEveryRememberingConnectionForgetsARevocationByAnotherDirectory() throws {
        let server = try UserDirectory(dataDirectory: directory.path)
        let cli = try UserDirectory(dataDirectory: directory.path)
        let token = try cli.add(name: "noy", role: .auditor, province: nil)
        // Enough checks that every token-checking connection has remembered the token.
        for _ in 0 ..< 16 { XCTAssertNotNil(server.authenticate(token: token)) }
        try cli.revoke(name: "noy")
        for attempt in 0 ..< 16 { XCTAssertNil(server.authenticate(token: token), "check \(attempt) after the revocation") }
    }

    func testTheWriteAheadLogIsAsPrivateAsTheUsersFile() throws {
        let old = umask(0o022)
        defer { umask(old) }
        let users = try UserDirectory(dataDirectory: directory.path)
        let token = try users.add(name: "noy", role: .auditor, province: nil)
        XCTAssertNotNil(users.authenticate(token: token))
        for suffix in ["", "-wal", "-shm"] {
            let path = directory.appendingPathComponent(UserDirectory.fileName + suffix).path
            var status = stat()
            XCTAssertEqual(stat(path, &status), 0, "\(path) should exist while the directory is open")
            XCTAssertEqual(status.st_mode & 0o777, 0o600, path)
        }
    }

    func testEveryRememberingConnectionForgetsARenewalByTheSameDirectory() throws {
        let users = try UserDirectory(dataDirectory: directory.path)
        let token = try users.add(name: "vanh", role: .recorder, province: nil)
        for _ in 0 ..< 16 { XCTAssertNotNil(users.authenticate(token: token)) }
        let (renewed, _) = try users.renew(name: "vanh")
        for attempt in 0 ..< 16 {
            XCTAssertNil(users.authenticate(token: token), "old token, check \(attempt) after the renewal")
            XCTAssertEqual(users.authenticate(token: renewed)?.name, "vanh")
        }
    }

    /// Threads check tokens while the main thread revokes them one by one: once `revoke` has
    /// returned, no thread may see that user's token accepted again.
    func testConcurrentChecksNeverAcceptATokenAfterItsRevocationReturned() throws {
        let server = try UserDirectory(dataDirectory: directory.path)
        let cli = try UserDirectory(dataDirectory: directory.path)
        let names = (0 ..< 6).map { "user-\($0)" }
        let tokens = try names.map { try cli.add(name: $0, role: .inspector, province: nil) }
        let revokedCount = ManagedCounter()
        let violations = ManagedCounter()
        let stop = ManagedCounter()
        let group = DispatchGroup()
        for thread in 0 ..< 6 {
            group.enter()
            Thread {
                defer { group.leave() }
                var index = thread
                while stop.value == 0 {
                    // Read how many are revoked *before* checking: those must be refused.
                    let revokedBefore = revokedCount.value
                    let which = index % tokens.count
                    let accepted = server.authenticate(token: tokens[which]) != nil
                    if accepted && which < revokedBefore { violations.add() }
                    index += 1
                }
            }.start()
        }
        for (index, name) in names.enumerated() {
            usleep(20_000)
            try cli.revoke(name: name)
            revokedCount.set(index + 1)
        }
        usleep(20_000)
        stop.set(1)
        group.wait()
        XCTAssertEqual(violations.value, 0, "a token was accepted after its revocation had returned")
        for token in tokens { XCTAssertNil(server.authenticate(token: token)) }
    }
}

/// An integer shared by test threads.
private final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func add() { lock.lock(); count += 1; lock.unlock() }
    func set(_ value: Int) { lock.lock(); count = value; lock.unlock() }
}

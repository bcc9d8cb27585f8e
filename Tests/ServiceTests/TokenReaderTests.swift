import Foundation
import Service
import XCTest
import TestSupport

/// The user directory checks tokens on several connections, each remembering what it checked.
/// Whichever connection answers, a revocation or renewal (by this directory, or by another
/// process once its `revoke` or `renew` has returned) must refuse the old token on the very next
/// request, and concurrent checks must agree.
final class TokenReaderTests: TemporaryDirectoryTestCase {
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

extension TokenReaderTests {
    /// What the recheck interval means: a directory told to trust its memory for an hour still
    /// accepts a token another process revoked (the memory is real), yet refuses it at once when
    /// the revocation goes through the directory itself (its own writes are never waited out).
    func testOwnWritesAreSeenAtOnceAndOtherProcessesWithinTheInterval() throws {
        let server = try UserDirectory(dataDirectory: directory.path, tokenRecheckInterval: .seconds(3600))
        let cli = try UserDirectory(dataDirectory: directory.path)
        let elsewhere = try cli.add(name: "noy", role: .auditor, province: nil)
        let here = try cli.add(name: "vanh", role: .recorder, province: nil)
        for _ in 0 ..< 16 {
            XCTAssertNotNil(server.authenticate(token: elsewhere))
            XCTAssertNotNil(server.authenticate(token: here))
        }
        try cli.revoke(name: "noy")
        XCTAssertNotNil(server.authenticate(token: elsewhere), "within the hour the server trusts what it remembers")
        try server.revoke(name: "vanh")
        for attempt in 0 ..< 16 {
            XCTAssertNil(server.authenticate(token: here), "revoked through this directory: check \(attempt) refuses it")
            // The server's own write made every connection look at the file again.
            XCTAssertNil(server.authenticate(token: elsewhere), "the file was read again: check \(attempt) sees the other revocation")
        }

        let bounded = try UserDirectory(dataDirectory: directory.path, tokenRecheckInterval: .milliseconds(200))
        let third = try cli.add(name: "keo", role: .inspector, province: nil)
        for _ in 0 ..< 16 { XCTAssertNotNil(bounded.authenticate(token: third)) }
        try cli.revoke(name: "keo")
        usleep(210_000)
        for attempt in 0 ..< 16 { XCTAssertNil(bounded.authenticate(token: third), "check \(attempt) after the interval") }
    }

    /// The remembering directory (default interval) against the reference that reads the file on
    /// every check: after each add, renewal and revocation by another directory (which returns
    /// only once the default interval has passed), both answer every token alike.
    func testTheRememberingDirectoryAgreesWithTheReferenceAfterEveryChange() throws {
        let server = try UserDirectory(dataDirectory: directory.path)
        let reference = try UserDirectory(dataDirectory: directory.path, tokenRecheckInterval: .zero)
        let cli = try UserDirectory(dataDirectory: directory.path)
        var tokens: [String] = ["not-a-token"]
        var generator = SystemRandomNumberGenerator()
        var active: [String] = []
        for step in 0 ..< 12 {
            switch (step % 3, active.isEmpty) {
            case (0, _), (_, true):
                let name = "user-\(step)"
                tokens.append(try cli.add(name: name, role: .inspector, province: nil))
                active.append(name)
            case (1, false):
                let name = active.randomElement(using: &generator)!
                tokens.append(try cli.renew(name: name).token)
            default:
                let name = active.remove(at: Int.random(in: 0 ..< active.count, using: &generator))
                try cli.revoke(name: name)
            }
            for _ in 0 ..< 4 {
                for token in tokens {
                    XCTAssertEqual(server.authentication(token: token), reference.authentication(token: token), "step \(step)")
                }
            }
        }
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

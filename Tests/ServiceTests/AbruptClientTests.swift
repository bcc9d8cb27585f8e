import Foundation
import Service
import XCTest

/// Clients that break off: nothing half-written, and the server keeps serving.
final class AbruptClientTests: XCTestCase {
    /// Opens a loopback TCP connection to `port`, writes `bytes`, and closes it at once.
    private func sendAndClose(_ bytes: [UInt8], port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(connected, 0)
        let written = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        XCTAssertEqual(written, bytes.count)
    }

    func testDisconnectMidBodyWritesNothingAndServingGoesOn() throws {
        let h = try ServiceHarness()
        let token = try h.token("admin", .admin)
        let body = Array(Sample.proposal("P-1").utf8)
        let head = "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        try sendAndClose(Array(head.utf8) + body.prefix(body.count / 2), port: h.server.port)
        // Wait until the server has seen the connection end before checking that nothing was written.
        let deadline = Date().addingTimeInterval(5)
        while h.server.activeConnections > 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(try h.store.head().seq, 0)
        XCTAssertEqual(h.request("POST", "/v1/events", token: token, body: Sample.proposal("P-1")).status, 201)
        XCTAssertEqual(try h.store.head().seq, 1)
    }

    func testOversizedBodyIsRefusedAndNothingWritten() throws {
        let h = try ServiceHarness()
        let token = try h.token("admin", .admin)
        let huge = "[" + Array(repeating: Sample.proposal("P-1"), count: 20_000).joined(separator: ",") + "]"
        let reply = h.request("POST", "/v1/events", token: token, body: huge)
        XCTAssertEqual(reply.status, 413, "\(huge.utf8.count) bytes")
        XCTAssertEqual(try h.store.head().seq, 0)
        XCTAssertEqual(h.request("GET", "/v1/health").status, 200)
    }
}

/// Size limits applied while a request is read, before anything is buffered beyond them.
public struct RequestLimits: Sendable, Hashable {
    /// Bytes of the request line plus header fields plus the blank line; beyond it: 431.
    public var maxHeadBytes: Int
    /// Header field lines; beyond it: 431.
    public var maxHeaderCount: Int
    /// Bytes of the request target; beyond it: 414.
    public var maxTargetBytes: Int
    /// Bytes of the body, as announced by Content-Length; beyond it: 413, before any is read.
    public var maxBodyBytes: Int

    public init(
        maxHeadBytes: Int = 16 * 1024,
        maxHeaderCount: Int = 100,
        maxTargetBytes: Int = 8 * 1024,
        maxBodyBytes: Int = 1024 * 1024
    ) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxTargetBytes = maxTargetBytes
        self.maxBodyBytes = maxBodyBytes
    }
}

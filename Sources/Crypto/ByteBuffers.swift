extension Array where Element == UInt8 {
    /// Calls `body` with a pointer that is never null, even for an empty array: several
    /// OpenSSL entry points treat a null input pointer as "no data supplied" rather than as
    /// zero bytes, which changes their meaning (an HMAC key, for one).
    func withNonNullBytes<R>(_ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        if isEmpty {
            var placeholder: UInt8 = 0
            return withUnsafePointer(to: &placeholder) { body($0, 0) }
        }
        return withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
    }
}

import COpenSSL

/// Comparison whose running time does not depend on where two secrets first differ.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes, compared with `CRYPTO_memcmp`. Lengths are
    /// not secret: arrays of different lengths are unequal at once.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withNonNullBytes { pa, count in
            b.withNonNullBytes { pb, _ in CRYPTO_memcmp(pa, pb, count) == 0 }
        }
    }
}

/// Turns an external identifier (an IATI identifier, an organisation ref, a CSV project id) into a
/// ledger identifier: `^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$`.
///
/// Every character outside that set becomes `_` and a leading non-alphanumeric gets an `x` in
/// front. IATI identifiers (`{org-ref}-{activity-id}`) almost always pass unchanged, e.g.
/// `XM-DAC-41114-PROJECT-00032152`. The mapping can make two identifiers equal; the importers
/// refuse a file in which that happens rather than merge two activities.
enum ImportIdentifier {
    static func map(_ raw: String) -> String? {
        var scalars = raw.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.map { scalar -> Character in
            let v = scalar.value
            let ok = (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v)
                || ".:_/@+-".unicodeScalars.contains(scalar)
            return ok ? Character(scalar) : "_"
        }
        guard !scalars.isEmpty else { return nil }
        if let first = scalars.first, !(first.isASCII && (first.isLetter || first.isNumber)) { scalars.insert("x", at: 0) }
        guard scalars.count <= 200 else { return nil }
        return String(scalars)
    }
}

import Foundation

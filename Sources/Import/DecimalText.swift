/// Normalises a published decimal (`xsd:decimal` in IATI, a CSV cell) to the ledger's spelling:
/// no `+`, no leading zeros, no trailing fraction zeros beyond what is needed, at most 4 fraction
/// digits. Returns nil for anything else (exponents, thousands separators, more than 4 significant
/// fraction digits) so the importer reports it instead of rounding money.
enum DecimalText {
    static func normalize(_ raw: String) -> String? {
        var text = Substring(raw.trimmingCharacters(in: .whitespacesAndNewlines))
        var negative = false
        if text.first == "-" { negative = true; text = text.dropFirst() } else if text.first == "+" { text = text.dropFirst() }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        var integer = parts[0]
        var fraction = parts.count == 2 ? parts[1] : ""
        guard !(integer.isEmpty && fraction.isEmpty), parts.count == 1 || !fraction.isEmpty || !integer.isEmpty,
              integer.allSatisfy({ $0.isASCII && $0.isNumber }), fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        while integer.count > 1, integer.first == "0" { integer = integer.dropFirst() }
        if integer.isEmpty { integer = "0" }
        while fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= 4, integer.count <= 24 else { return nil }
        let body = fraction.isEmpty ? String(integer) : "\(integer).\(fraction)"
        return negative && body != "0" ? "-" + body : body
    }
}

import Foundation

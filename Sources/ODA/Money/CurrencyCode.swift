/// An ISO 4217 alphabetic currency code known to the IATI Currency codelist. A value of this type
/// always names a real currency: the initializer refuses anything else.
public struct CurrencyCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let code: String

    public init(_ code: String) throws(MoneyError) {
        guard CodelistTables.currencies[code] != nil else { throw .unknownCurrency(code) }
        self.code = code
    }

    /// The currency's name in the IATI codelist, e.g. "Lao Kip" for LAK.
    public var name: String { CodelistTables.currencies[code] ?? code }

    public static let usd = try! CurrencyCode("USD")
    public static let lak = try! CurrencyCode("LAK")

    public var description: String { code }
    public static func < (lhs: CurrencyCode, rhs: CurrencyCode) -> Bool { lhs.code < rhs.code }
}

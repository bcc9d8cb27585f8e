/// An OECD DAC 5-digit purpose code from the IATI Sector codelist (vocabulary 1), still in use:
/// codes the DAC has withdrawn are refused for new records, with a message saying so.
public struct SectorCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let code: String

    public init(_ code: String) throws(ReferenceDataError) {
        guard let entry = CodelistTables.sectors[code] else { throw .unknownSector(code) }
        guard !entry.withdrawn else { throw .withdrawnSector(code, entry.name) }
        self.code = code
    }

    public var name: String { CodelistTables.sectors[code]?.name ?? code }
    /// The 3-digit DAC category, e.g. `111` (Education, level unspecified) for 11110.
    public var category: String { CodelistTables.sectors[code]?.category ?? String(code.prefix(3)) }

    public var description: String { code }
    public static func < (lhs: SectorCode, rhs: SectorCode) -> Bool { lhs.code < rhs.code }
}

/// IATI organisation types (OrganisationType codelist): 10 Government … 90 Other.
public struct OrganisationType: Sendable, Hashable, CustomStringConvertible {
    public let code: String

    public init(_ code: String) throws(ReferenceDataError) {
        guard CodelistTables.organisationTypes[code] != nil else { throw .unknownOrganisationType(code) }
        self.code = code
    }

    public var name: String { CodelistTables.organisationTypes[code] ?? code }
    public var description: String { code }
    public static var all: [OrganisationType] {
        CodelistTables.organisationTypes.keys.sorted().map { OrganisationType(unchecked: $0) }
    }
    private init(unchecked code: String) { self.code = code }
}

/// Why a code is not reference data the ledger knows.
public enum ReferenceDataError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownSector(String)
    case withdrawnSector(String, String)
    case unknownOrganisationType(String)
    case unknownProvince(String)
    case unknownSectorWorkingGroup(String)

    public var description: String {
        switch self {
        case let .unknownSector(code): "must be a DAC 5-digit sector code; \(code) is not one"
        case let .withdrawnSector(code, name): "must be a DAC sector code in use; \(code) (\(name)) has been withdrawn"
        case let .unknownOrganisationType(code):
            "must be an IATI organisation type (\(CodelistTables.organisationTypes.keys.sorted().joined(separator: ", "))); \(code) is not one"
        case let .unknownProvince(code): "must be an ISO 3166-2:LA province code (LA-AT … LA-XS); \(code) is not one"
        case let .unknownSectorWorkingGroup(code):
            "must be one of the Lao sector working groups (\(SectorWorkingGroup.allCases.map(\.rawValue).joined(separator: ", "))); \(code) is not one"
        }
    }
}

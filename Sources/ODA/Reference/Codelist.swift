/// The code lists a schema can require with `x-codelist`.
public enum Codelist: String, Sendable, CaseIterable {
    case currency = "ISO4217"
    case dacSector = "DAC5"
    case province = "ISO3166-2:LA"
    case organisationType = "IATIOrganisationType"
    case sectorWorkingGroup = "LaoSectorWorkingGroup"

    /// Why `code` is not in the list, or nil when it is.
    public func problem(with code: String) -> String? {
        switch self {
        case .currency:
            return CodelistTables.currencies[code] == nil ? MoneyError.unknownCurrency(code).description : nil
        case .dacSector:
            do { _ = try SectorCode(code); return nil } catch { return error.description }
        case .province:
            return Province(rawValue: code) == nil ? ReferenceDataError.unknownProvince(code).description : nil
        case .organisationType:
            do { _ = try OrganisationType(code); return nil } catch { return error.description }
        case .sectorWorkingGroup:
            return SectorWorkingGroup(rawValue: code) == nil ? ReferenceDataError.unknownSectorWorkingGroup(code).description : nil
        }
    }
}

/// Chooses the Lao sector working group a project is proposed under from its first DAC 5-digit
/// sector, by DAC category (the first three digits). The table is the importer's decision,
/// documented in Schemas/import.md:
/// 111–114 education; 121–123 and 130 health and population; 140, 210, 220, 230 water, transport,
/// communications, energy: infrastructure; 151–152 government, civil society, peace: governance;
/// 160, 998 other social services, unallocated (e.g. 99810, UN coordination): governance;
/// 240, 250, 321, 322, 323, 331, 332 finance, business, industry, trade, tourism: trade-private-sector;
/// 311 agriculture: agriculture-rural-development; 312, 313, 410 forestry, fishing, environment:
/// natural-resources-environment; 430 multisector: agriculture-rural-development; 510, 520, 530,
/// 600 budget support, food aid, debt: macroeconomics; 720–740 humanitarian: governance.
/// DAC code 15250 (removal of land mines and ERW) maps to mine-action-uxo; an activity with no DAC
/// sector, and every other category, to governance.
enum SectorWorkingGroupMapping {
    static func group(forDAC code: String?) -> String {
        guard let code, code.count == 5 else { return "governance" }
        if code == "15250" { return "mine-action-uxo" }
        switch code.prefix(3) {
        case "111", "112", "113", "114": return "education"
        case "121", "122", "123", "130": return "health"
        case "140", "210", "220", "230", "231", "232": return "infrastructure"
        case "240", "250", "321", "322", "323", "331", "332": return "trade-private-sector"
        case "311", "430": return "agriculture-rural-development"
        case "312", "313", "410": return "natural-resources-environment"
        case "510", "520", "530", "600": return "macroeconomics"
        default: return "governance"
        }
    }
}

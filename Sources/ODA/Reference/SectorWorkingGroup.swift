/// The ten Sector Working Groups of Lao PDR's Round Table Process: the Government-led coordination
/// forums (chaired by a line ministry, co-chaired by development partners, coordinated by the
/// Department of International Cooperation, MPI) through which ODA is aligned by theme.
///
/// Source: Round Table Process secretariat, "Sector Working Groups – Overview",
/// https://rtm.org.la/sector-working-groups/overview/ and https://rtm.org.la/about/round-table-process/
/// (health, education, governance, infrastructure, macroeconomics, trade and private sector, mine
/// action/UXO, illicit drug control, agriculture and rural development, natural resources and environment).
public enum SectorWorkingGroup: String, Sendable, CaseIterable, Hashable {
    case health = "health"
    case education = "education"
    case governance = "governance"
    case infrastructure = "infrastructure"
    case macroeconomics = "macroeconomics"
    case tradeAndPrivateSector = "trade-private-sector"
    case mineActionUXO = "mine-action-uxo"
    case illicitDrugControl = "illicit-drug-control"
    case agricultureAndRuralDevelopment = "agriculture-rural-development"
    case naturalResourcesAndEnvironment = "natural-resources-environment"

    public var name: String {
        switch self {
        case .health: "Health"
        case .education: "Education"
        case .governance: "Governance"
        case .infrastructure: "Infrastructure"
        case .macroeconomics: "Macroeconomics"
        case .tradeAndPrivateSector: "Trade and Private Sector Development"
        case .mineActionUXO: "Mine Action and Unexploded Ordnance (UXO)"
        case .illicitDrugControl: "Illicit Drug Control"
        case .agricultureAndRuralDevelopment: "Agriculture and Rural Development"
        case .naturalResourcesAndEnvironment: "Natural Resources and Environment"
        }
    }
}

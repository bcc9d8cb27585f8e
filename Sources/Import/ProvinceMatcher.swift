import Foundation
import ODA

/// Finds the ISO 3166-2:LA province a published location name denotes ("Xiangkhouang",
/// "Luang Prabang Province", "Khoueng Savannakhet", "Attapu" …): case and diacritics ignored,
/// the words Province / Khoueng / Prefecture dropped, matched against each province's common
/// and ISO names. "Vientiane" alone is ambiguous (capital or province) and matches nothing;
/// names that are not provinces (districts, villages) match nothing and are not allocated.
enum ProvinceMatcher {
    static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func province(named raw: String) -> Province? {
        let folded = fold(raw)
        for province in Province.allCases where fold(province.name) == folded { return province }
        if folded == "vientiane capital" || folded == "vientiane prefecture" { return .vientianeCapital }
        var words = folded.split(separator: " ").map(String.init)
        words.removeAll { $0 == "province" || $0 == "khoueng" || $0 == "prefecture" }
        let core = words.joined(separator: " ")
        guard core != "vientiane", core != "viangchan" else { return nil }
        for province in Province.allCases where fold(province.name) == core || fold(province.isoName) == core
            || fold(province.name).replacingOccurrences(of: " ", with: "") == core.replacingOccurrences(of: " ", with: "") {
            return province
        }
        return nil
    }
}

/// The 18 first-level divisions of Lao PDR (17 provinces and Vientiane Capital) by ISO 3166-2:LA
/// code. `isoName` is the subdivision name as the ISO 3166 Maintenance Agency publishes it (update of
/// 2015-11-27, which added LA-XS); `name` is the English spelling used in Lao government documents.
public enum Province: String, Sendable, CaseIterable, Hashable {
    case attapeu = "LA-AT", bokeo = "LA-BK", bolikhamxai = "LA-BL", champasak = "LA-CH"
    case houaphan = "LA-HO", khammouan = "LA-KH", luangNamtha = "LA-LM", luangPrabang = "LA-LP"
    case oudomxai = "LA-OU", phongsali = "LA-PH", salavan = "LA-SL", savannakhet = "LA-SV"
    case vientianeProvince = "LA-VI", vientianeCapital = "LA-VT", sainyabuli = "LA-XA", sekong = "LA-XE"
    case xiangkhouang = "LA-XI", xaisomboun = "LA-XS"

    /// The ISO 3166-2:LA code, e.g. `LA-VT`.
    public var code: String { rawValue }

    public var name: String {
        switch self {
        case .attapeu: "Attapeu"
        case .bokeo: "Bokeo"
        case .bolikhamxai: "Bolikhamxai"
        case .champasak: "Champasak"
        case .houaphan: "Houaphan"
        case .khammouan: "Khammouan"
        case .luangNamtha: "Luang Namtha"
        case .luangPrabang: "Luang Prabang"
        case .oudomxai: "Oudomxai"
        case .phongsali: "Phongsali"
        case .salavan: "Salavan"
        case .savannakhet: "Savannakhet"
        case .vientianeProvince: "Vientiane Province"
        case .vientianeCapital: "Vientiane Capital"
        case .sainyabuli: "Sainyabuli"
        case .sekong: "Sekong"
        case .xiangkhouang: "Xiangkhouang"
        case .xaisomboun: "Xaisomboun"
        }
    }

    /// The subdivision name in ISO 3166-2:LA (romanised per LAO CNT 1965): LA-VI and LA-VT are both
    /// "Viangchan" there, a province and a prefecture.
    public var isoName: String {
        switch self {
        case .attapeu: "Attapu"
        case .bokeo: "Bokèo"
        case .bolikhamxai: "Bolikhamxai"
        case .champasak: "Champasak"
        case .houaphan: "Houaphan"
        case .khammouan: "Khammouan"
        case .luangNamtha: "Louang Namtha"
        case .luangPrabang: "Louangphabang"
        case .oudomxai: "Oudômxai"
        case .phongsali: "Phôngsali"
        case .salavan: "Salavan"
        case .savannakhet: "Savannakhét"
        case .vientianeProvince, .vientianeCapital: "Viangchan"
        case .sainyabuli: "Xaignabouli"
        case .sekong: "Xékong"
        case .xiangkhouang: "Xiangkhouang"
        case .xaisomboun: "Xaisômboun"
        }
    }

    /// ISO 3166-2 category: `prefecture` for Vientiane Capital, `province` otherwise.
    public var isPrefecture: Bool { self == .vientianeCapital }
}

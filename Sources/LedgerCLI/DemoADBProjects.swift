import CanonicalJSON
import EventLog
import Foundation

/// The demo's reading of the ADB project summary (`Tests/Fixtures/lao/adb_lao_projects_summary_derived.csv`,
/// one row per Asian Development Bank project in Lao PDR): each project becomes a proposal (ADB's
/// IATI id `XM-DAC-46004`, approval and closing dates, the commitment as estimated cost, a sector
/// working group and implementing ministry from the ADB sector), its location allocation over the
/// provinces named in the row (equal shares), its Government approval, a commitment and the
/// cumulative disbursement dated at closing.
///
/// The file is not in the government CSV format (`Schemas/import.md`), hence this mapping. Its
/// amounts carry floating-point noise (`13581046.409999998`): they are rounded half-up to cents as
/// decimal text, never through a binary float. Projects already in the ledger (the two ADB projects
/// of `Tests/Fixtures/sample`) are left alone.
enum DemoADBProjects {
    static let partner = "XM-DAC-46004"

    struct Project {
        let id: String
        let proposal: [ProposedEvent]
        let approval: ProposedEvent
        let transactions: [ProposedEvent]
    }

    static func read(_ path: String) throws -> [Project] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure("cannot read \(path)")
        }
        let rows = parseCSV(text)
        guard let header = rows.first else { throw CommandFailure("\(path) is empty") }
        let column = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var projects: [Project] = []
        for (index, row) in rows.dropFirst().enumerated() where row.count == header.count {
            func field(_ name: String) throws -> String {
                guard let i = column[name] else { throw CommandFailure("\(path) has no column \(name)") }
                return row[i]
            }
            let line = index + 2
            let id = "ADB-" + (try field("adb_project_id"))
            let start = try field("approval_date"), end = try field("closing_date")
            guard let commitment = cents(try field("commitment_usd")), let disbursed = cents(try field("disbursement_usd")) else {
                throw CommandFailure("\(path) line \(line): an amount is not a decimal number")
            }
            let (group, agency) = sectorWorkingGroup(try field("sector_1"))
            let key = id.lowercased()
            let usd = { (amount: String) -> JSONValue in ["amount": .string(amount), "currency": "USD"] }
            let proposed: JSONObject = [
                "projectId": .string(id), "title": .string(titleCase(try field("title"))), "developmentPartner": .string(partner),
                "implementingAgency": .string(agency), "plannedStartDate": .string(start), "plannedEndDate": .string(end),
                "estimatedCost": usd(commitment), "sectorWorkingGroup": .string(group),
            ]
            var proposal = [try ProposedEvent(stream: "project:\(id)", type: "ProjectProposed", payload: proposed, idempotencyKey: "\(key)-proposed")]
            let codes = provinces(in: try field("location_names"))
            if !codes.isEmpty {
                proposal.append(try ProposedEvent(stream: "project:\(id)", type: "LocationAllocationRevised", payload: [
                    "allocations": .array(zip(codes, shares(codes.count)).map { ["province": .string($0), "percentage": .string($1)] }),
                    "reason": "Provinces named in ADB's published locations",
                ], idempotencyKey: "\(key)-provinces"))
            }
            let approval = try ProposedEvent(stream: "project:\(id)", type: "ProjectApproved", payload: [
                "approvingAuthority": "Government", "approvalReference": .string("ADB-\(try field("adb_project_id"))"),
                "approvalDate": .string(start),
            ], idempotencyKey: "\(key)-approved")
            var transactions = [try ProposedEvent(stream: "project:\(id)", type: "CommitmentRecorded", payload: [
                "transactionId": .string("\(id)-C1"), "date": .string(start), "amount": usd(commitment), "provider": .string(partner),
            ], idempotencyKey: "\(key)-commitment")]
            if disbursed != "0.00" {
                transactions.append(try ProposedEvent(stream: "project:\(id)", type: "DisbursementRecorded", payload: [
                    "transactionId": .string("\(id)-D"), "date": .string(end), "amount": usd(disbursed), "provider": .string(partner),
                    "reference": "cumulative disbursement published by ADB",
                ], idempotencyKey: "\(key)-disbursed"))
            }
            projects.append(Project(id: id, proposal: proposal, approval: approval, transactions: transactions))
        }
        return projects
    }

    /// A decimal text rounded half-up to two fraction digits, by digits (no binary float).
    static func cents(_ text: String) -> String? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber) else {
            return nil
        }
        let fraction = parts.count == 2 ? Array(parts[1]) : []
        guard fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var digits = Array(whole) + (fraction + ["0", "0", "0"]).prefix(3)
        let roundUp = digits.removeLast() >= "5"
        var value = digits.map { Int(String($0))! }
        if roundUp {
            var i = value.count - 1
            while i >= 0 {
                if value[i] == 9 { value[i] = 0; i -= 1 } else { value[i] += 1; break }
            }
            if i < 0 { value.insert(1, at: 0) }
        }
        var text = value.map(String.init).joined()
        text.insert(".", at: text.index(text.endIndex, offsetBy: -2))
        while text.hasPrefix("0"), !text.hasPrefix("0.") { text.removeFirst() }
        return text
    }

    static func sectorWorkingGroup(_ sector: String) -> (String, String) {
        switch sector {
        case let s where s.hasPrefix("Agriculture"): ("agriculture-rural-development", "LA-MAF")
        case "Education": ("education", "LA-MOES")
        case "Health": ("health", "LA-MOH")
        case "Energy": ("infrastructure", "LA-MEM")
        case let s where s == "Transport" || s.hasPrefix("Water"): ("infrastructure", "LA-MPWT")
        case "Industry and trade": ("trade-private-sector", "LA-MOIC")
        case "Finance": ("macroeconomics", "LA-MOF")
        default: ("governance", "LA-MPI")
        }
    }

    /// Province-level names as ADB spells them (villages and districts are not matched).
    static let provinceNames: [String: String] = [
        "attapu": "LA-AT", "attapeu": "LA-AT", "bokeo": "LA-BK", "khoueng bokeo": "LA-BK", "bolikhamxai": "LA-BL",
        "champasak": "LA-CH", "houaphan": "LA-HO", "khammouan": "LA-KH", "louangnamtha": "LA-LM", "louang namtha": "LA-LM",
        "louangphabang": "LA-LP", "luang prabang province": "LA-LP", "khoueng oudomxai": "LA-OU", "oudomxai": "LA-OU",
        "khoueng phongsali": "LA-PH", "phongsali": "LA-PH", "salavan": "LA-SL", "savannakhet": "LA-SV",
        "khoueng savannakhet": "LA-SV", "vientiane province": "LA-VI", "vientiane": "LA-VT", "vientiane prefecture": "LA-VT",
        "xaignabouli": "LA-XA", "sainyabuli": "LA-XA", "khoueng xekong": "LA-XE", "xekong": "LA-XE", "xiangkhouang": "LA-XI",
    ]

    static func provinces(in list: String) -> [String] {
        var codes: [String] = []
        for name in list.split(separator: ";") {
            let folded = name.trimmingCharacters(in: .whitespaces).folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
            if let code = provinceNames[folded], !codes.contains(code) { codes.append(code) }
        }
        return codes.sorted()
    }

    /// Equal shares summing to exactly 100 with four fraction digits (the first takes the remainder).
    static func shares(_ count: Int) -> [String] {
        let base = 1_000_000 / count
        let first = 1_000_000 - base * (count - 1)
        return ([first] + Array(repeating: base, count: count - 1)).map { units in
            let whole = units / 10_000, fraction = units % 10_000
            guard fraction != 0 else { return "\(whole)" }
            var digits = String(fraction)
            digits = String(repeating: "0", count: 4 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            return "\(whole).\(digits)"
        }
    }

    static func titleCase(_ text: String) -> String {
        text.split(separator: " ").map { word in
            let lower = word.lowercased()
            return ["and", "of", "for", "the", "in"].contains(lower) ? lower : lower.prefix(1).uppercased() + lower.dropFirst()
        }.joined(separator: " ")
    }

    /// RFC 4180 fields: quoted fields may hold commas, quotes (doubled) and line breaks.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, iterator = Array(text.unicodeScalars).makeIterator(), pending: Unicode.Scalar?
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",": row.append(field); field = ""
            case "\r": break
            case "\n": row.append(field); rows.append(row); row = []; field = ""
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}

import CanonicalJSON
import Crypto
import EventLog
import Foundation
import ODA

/// `oda-ledger import csv`: government-entered commitments, disbursements and expenditures on
/// projects already in the ledger, one row each, appended as one validated batch.
///
/// Columns (header row required; names exact, any order; see `columns` and Schemas/import.md):
/// `project_id, kind, transaction_id, date, amount, currency` always; `provider` for commitments
/// and disbursements (`receiver`, `reference`, and for commitments `agreement_id`, optional);
/// `payee, invoice_number, approved_by` for expenditures (`description` optional).
///
/// Guarantees: every problem is reported with file, line and column, and then nothing is
/// appended; a row whose `(project_id, transaction_id)` is already recorded with the same content is
/// skipped (so re-importing appends nothing), and with other content is an error (record a
/// reversal instead of editing).
public enum CSVImporter {
    /// Every column the importer knows, with what it holds: printed by `--help` and documented.
    public static let columns: [(name: String, help: String)] = [
        ("project_id", "the ledger project id (required)"),
        ("kind", "commitment, disbursement or expenditure (required)"),
        ("transaction_id", "the government's own id of the transaction, unique per project (required)"),
        ("date", "YYYY-MM-DD (required)"),
        ("amount", "decimal, at most 4 fraction digits, no thousands separators; negative only for commitments and expenditures (required)"),
        ("currency", "ISO 4217 code (required)"),
        ("provider", "organisation id providing the funds (commitment, disbursement: required)"),
        ("receiver", "organisation id receiving a disbursement (optional)"),
        ("agreement_id", "financing agreement id of a commitment (optional)"),
        ("reference", "document reference of a commitment or disbursement (optional)"),
        ("payee", "who was paid (expenditure: required)"),
        ("invoice_number", "invoice number (expenditure: required)"),
        ("approved_by", "id of who approved the expenditure (expenditure: required)"),
        ("description", "what an expenditure was for (optional)"),
    ]
    static let eventTypes = ["commitment": "CommitmentRecorded", "disbursement": "DisbursementRecorded",
                             "expenditure": "ExpenditureRecorded"]
    static let required = ["project_id", "kind", "transaction_id", "date", "amount", "currency"]

    public static func importFile(at path: String, into store: EventStore, actor: Actor,
                                  validator: EventValidator = EventValidator()) throws -> ImportResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImportError([ImportProblem(file: path, line: 0, element: "file", rule: "cannot be read: no such file, or not readable")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ImportError([ImportProblem(file: path, line: 0, element: "file", rule: "is not UTF-8 text")])
        }
        let sha256 = SHA256.hash(Array(data)).hex
        let records = try CSVReader.read(text, file: path)
        var problems: [ImportProblem] = []
        func problem(_ line: Int, _ column: String, _ rule: String) {
            problems.append(ImportProblem(file: path, line: line, element: column, rule: rule))
        }
        guard let header = records.first else {
            throw ImportError([ImportProblem(file: path, line: 1, element: "header", rule: "the file is empty; it needs a header row")])
        }
        let known = Set(columns.map(\.name))
        var index: [String: Int] = [:]
        for (i, name) in header.fields.enumerated() {
            let name = name.trimmingCharacters(in: .whitespaces)
            if !known.contains(name) { problem(header.line, name, "is not a known column (\(columns.map(\.name).joined(separator: ", ")))") }
            else if index[name] != nil { problem(header.line, name, "appears twice in the header") }
            else { index[name] = i }
        }
        for name in required where index[name] == nil { problem(header.line, name, "is a required column and is missing") }
        guard problems.isEmpty else { throw ImportError(problems) }

        var states: [String: RecordedStreamState] = [:]
        var seen: [String: Int] = [:]
        var events: [ImportedEvent] = []
        var alreadyRecorded = 0
        for record in records.dropFirst() {
            let line = record.line
            guard record.fields.count == header.fields.count else {
                problem(line, "row", "has \(record.fields.count) fields; the header has \(header.fields.count)"); continue
            }
            func cell(_ name: String) -> String? {
                guard let i = index[name] else { return nil }
                let value = record.fields[i].trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
            func need(_ name: String) -> String? {
                guard let value = cell(name) else { problem(line, name, "is required"); return nil }
                return value
            }
            func identifier(_ name: String, required: Bool) -> String? {
                guard let raw = required ? need(name) : cell(name) else { return nil }
                guard let id = ImportIdentifier.map(raw) else { problem(line, name, "is longer than 200 characters"); return nil }
                return id
            }
            let before = problems.count
            let projectId = identifier("project_id", required: true)
            let transactionId = identifier("transaction_id", required: true)
            let kind = need("kind")
            let type = kind.flatMap { eventTypes[$0] }
            if let kind, type == nil { problem(line, "kind", "must be commitment, disbursement or expenditure; it is \(kind)") }
            let date = need("date")
            if let date, CalendarDate(date) == nil { problem(line, "date", "must be a calendar date YYYY-MM-DD; it is \(date)") }
            var amount: String?
            if let raw = need("amount") {
                amount = DecimalText.normalize(raw)
                if amount == nil { problem(line, "amount", "must be a decimal with at most 4 fraction digits and no thousands separators; it is \(raw)") }
            }
            let currency = need("currency")
            if type == "DisbursementRecorded", amount?.hasPrefix("-") == true {
                problem(line, "amount", "a disbursement cannot be negative; record a reversal of the mistaken one instead")
            }
            var p = JSONObject()
            if let transactionId { p["transactionId"] = .string(transactionId) }
            if let date { p["date"] = .string(date) }
            if let amount, let currency { p["amount"] = IATIEventMapper.money(amount, currency) }
            if type == "ExpenditureRecorded" {
                if let v = need("payee") { p["payee"] = .string(v) }
                if let v = need("invoice_number") { p["invoiceNumber"] = .string(v) }
                if let v = identifier("approved_by", required: true) { p["approvedBy"] = .string(v) }
                if let v = cell("description") { p["description"] = .string(v) }
            } else if type != nil {
                if let v = identifier("provider", required: true) { p["provider"] = .string(v) }
                if type == "DisbursementRecorded", let v = identifier("receiver", required: false) { p["receiver"] = .string(v) }
                if type == "CommitmentRecorded", let v = identifier("agreement_id", required: false) { p["agreementId"] = .string(v) }
                if let v = cell("reference") { p["reference"] = .string(v) }
            }
            guard problems.count == before, let projectId, let transactionId, let type else { continue }
            let stream = "project:" + projectId
            let key = "csv:" + ImportKey.hex(projectId + "\u{0}" + transactionId, digits: 40)
            if let earlier = seen[key] {
                problem(line, "transaction_id", "\(transactionId) appears on line \(earlier) too for project \(projectId)"); continue
            }
            seen[key] = line
            if states[stream] == nil { states[stream] = try RecordedStreamState(stream: stream, store: store) }
            if let recorded = states[stream]!.payloads[key] {
                if recorded == p { alreadyRecorded += 1 } else {
                    problem(line, "transaction_id", "\(transactionId) of project \(projectId) is already recorded with other content; record a TransactionReversed and a new transaction id instead of editing")
                }
                continue
            }
            do {
                let event = try ProposedEvent(stream: stream, type: type, payload: p, idempotencyKey: key, correlationId: "import:" + sha256)
                events.append(ImportedEvent(event: event, line: line, element: "row"))
            } catch {
                problem(line, "row", "\(error)")
            }
        }
        guard problems.isEmpty else { throw ImportError(problems) }
        let outcomes = try IATIImporter.appendAll(events, file: path, store: store, actor: actor, validator: validator)
        return ImportResult(fileSha256: sha256, outcomes: outcomes, alreadyRecorded: alreadyRecorded, skipped: [])
    }
}

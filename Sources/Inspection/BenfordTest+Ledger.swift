import EventLog
import ODA

extension BenfordTest {
    /// The payment amounts the population test looks at: every disbursement and expenditure
    /// still in force (reversed ones left out), optionally of one project, as decimal texts in
    /// their own currency (the first-digit law does not depend on the unit).
    public static func paymentAmounts(in store: EventStore, project: String? = nil) throws -> [String] {
        var amounts: [(seq: Int64, text: String)] = []
        var reversed: Set<Int64> = []
        let query = EventQuery(stream: project.map { "project:" + $0 })
        try store.read(query) { event in
            let e = event.envelope
            switch e.type {
            case "DisbursementRecorded", "ExpenditureRecorded":
                if let amount = e.payload["amount"].flatMap({ try? Amount(json: $0) }) { amounts.append((e.seq, amount.canonicalText)) }
            case "TransactionReversed":
                if case let .integer(seq)? = e.payload["reversedSeq"] { reversed.insert(seq) }
            default: break
            }
            return true
        }
        return amounts.filter { !reversed.contains($0.seq) }.map(\.text)
    }
}

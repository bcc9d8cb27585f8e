import ODA

/// A rule separable by payee (`RuleInputs.Scope.payee`) that can tell from one new fact, cheaply,
/// that the fact leaves a payee's hits as they were, so an append re-judges the payee only when
/// it may have changed them: most payments pair with nothing and repeat nothing.
///
/// The test is exact, never a guess: the engine skips a payee only when every new fact touching
/// it answers false, and that must guarantee `evaluate` of the payee's transactions gives the
/// hits its flag was made from. `PayeeChangeTestTests` holds every skip to `evaluate` before
/// and after the batch over random ledgers; `IncrementalEngineTests` holds the engine, skips
/// and all, to a fresh judgement after every batch.
protocol PayeeChangeTest: Rule {
    /// Whether `fact`, one of the project's new facts, may change the hits on its payee.
    /// `part` is the history restricted to that payee after all the new facts (so a transaction
    /// reversed later in the same batch is already marked reversed); `flagged` is the payee's
    /// evidence before the new facts, ascending (empty when it had no flag).
    func mayChange(_ part: ProjectHistory, by fact: ProjectFact, flagged: [Int64], parameters: [String: Int64]) -> Bool
}

extension PayeeChangeTest {
    /// The part common to the payee rules whose evidence is every payment of some qualifying
    /// pair or group (duplicates): a reversal changes the hits only when it cancels a payment
    /// the flag named (one no hit named paired with nothing, and losing it breaks no pair); a
    /// transaction that arrived already reversed changes nothing; `newPayment` judges a live one.
    func mayChange(_ part: ProjectHistory, by fact: ProjectFact, flagged: [Int64],
                   newPayment: (ProjectHistory.Transaction) -> Bool) -> Bool {
        if fact.kind == .reversal {
            guard let seq = fact.number else { return false }
            let i = flagged.partitionPoint { $0 < seq }
            return i < flagged.count && flagged[i] == seq
        }
        guard let t = part.transaction(at: fact.seq) else { return fact.isTransaction }
        return !t.reversed && newPayment(t)
    }
}

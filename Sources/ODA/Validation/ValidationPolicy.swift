/// Deployment choices that change what the validator accepts.
public struct ValidationPolicy: Sendable, Equatable {
    /// Small offices may let the proposer of a project also record its approval
    /// (`approval.allow_self = true` in ledger.conf). The approval is then recorded with
    /// `"selfApproved": true`, set by the ledger, so inspection can flag it.
    public var allowsSelfApproval: Bool
    /// Whether types outside the ODA catalogue pass unchecked. Off by default: an unknown type is
    /// refused, so a typo cannot record an event no projection understands.
    public var allowsUnknownTypes: Bool

    public init(allowsSelfApproval: Bool = false, allowsUnknownTypes: Bool = false) {
        self.allowsSelfApproval = allowsSelfApproval
        self.allowsUnknownTypes = allowsUnknownTypes
    }
}

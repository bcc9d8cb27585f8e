import CanonicalJSON
import EventLog

extension EventEnvelope {
    /// A copy of this envelope with its payload's `amount` changed to 999,999.00 USD and every
    /// other member kept: the forgery a tamper test re-hashes and writes over the stored row.
    func withForgedAmount() -> EventEnvelope {
        var forgedPayload = payload
        forgedPayload["amount"] = .object(JSONObject(dictionary: ["amount": "999999.00", "currency": "USD"]))
        return EventEnvelope(
            seq: seq, stream: stream, streamVersion: streamVersion, type: type, schemaVersion: schemaVersion,
            payload: forgedPayload, actor: actor, recordedAt: recordedAt, occurredAt: occurredAt, correlationId: correlationId,
            causationId: causationId, idempotencyKey: idempotencyKey, prev: prev)
    }
}

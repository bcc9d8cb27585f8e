#!/usr/bin/env bash
# The main job on the embedded default, in one command: build oda-ledger, create a ledger (one
# SQLite file and a signing key) in ./oda-data, record the bundled sample of Lao ODA records
# (each event validated against the ODA catalogue in Schemas/events),
# show them, verify the chain, sign a checkpoint as an auditor would keep it, prove one event's
# inclusion, and check the export and the proof with the independent Python verifier. Safe to
# run again: the sample carries idempotency keys, so a second run records nothing twice.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${ODA_LEDGER_DATA:-./oda-data}"

swift build -c release --product oda-ledger
bin=.build/release/oda-ledger

[ -f "$data/ledger.sqlite" ] || "$bin" init --data "$data"
echo "== recording the sample (Tests/Fixtures/sample): proposals, approvals by another user, transactions"
sample=Tests/Fixtures/sample
"$bin" append --data "$data" --actor user:recorder "$sample/1-proposals.jsonl"
"$bin" append --data "$data" --actor user:approver "$sample/2-approvals.jsonl"
"$bin" append --data "$data" --actor user:recorder "$sample/3-transactions.jsonl"
echo "== the ledger"
"$bin" log --data "$data" --format table
echo "== the portfolio by development partner, plan against actual (from the projections)"
"$bin" portfolio --data "$data" --by partner
echo "== one project's state and its audit trail"
"$bin" project show ADB-36339-022 --data "$data"
echo "== red flags raised by the inspection rules (leads for the Department of Inspection, not findings)"
"$bin" flags --data "$data"
echo "== a signed checkpoint, as an auditor keeps it ($data/checkpoint.note)"
"$bin" checkpoint --data "$data" --out "$data/checkpoint.note"
cat "$data/checkpoint.note"
echo "== verification: the chain, and that the ledger extends the checkpoint"
"$bin" verify --data "$data" --checkpoint "$data/checkpoint.note"
echo "== proof that seq 2 is in the checkpointed tree ($data/proof-seq-2.json)"
"$bin" prove --data "$data" --seq 2 --checkpoint "$data/checkpoint.note" --out "$data/proof-seq-2.json"
"$bin" export --data "$data" --out "$data/export.jsonl"
if python3 -c 'import cryptography' 2>/dev/null; then
  echo "== independent check with Tools/verify_ledger.py (no code shared with the Swift side)"
  python3 Tools/verify_ledger.py export "$data/export.jsonl" --checkpoint "$data/checkpoint.note" --key "$data/signing-key.vkey"
  python3 Tools/verify_ledger.py bundle "$data/proof-seq-2.json" --key "$data/signing-key.vkey"
else
  echo "(install Python's cryptography package to run the independent check: pip install cryptography)"
fi

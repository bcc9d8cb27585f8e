#!/usr/bin/env bash
# The main job on the embedded default, in one command: build oda-ledger, create a ledger (one
# SQLite file and a signing key) in ./oda-data, record the bundled sample of Lao ODA records,
# show them, verify the chain, and export it for independent checking. Safe to run again: the
# sample carries idempotency keys, so a second run records nothing twice.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${ODA_LEDGER_DATA:-./oda-data}"

swift build -c release --product oda-ledger
bin=.build/release/oda-ledger

[ -f "$data/ledger.sqlite" ] || "$bin" init --data "$data"
echo "== recording the sample (Tests/Fixtures/sample/lao-oda-sample.jsonl)"
"$bin" append --data "$data" --actor user:quickstart Tests/Fixtures/sample/lao-oda-sample.jsonl
echo "== the ledger"
"$bin" log --data "$data" --format table
echo "== verification"
"$bin" verify --data "$data"
"$bin" export --data "$data" --out "$data/export.jsonl"
if [ -f Tools/verify_ledger.py ] && python3 -c 'import cryptography' 2>/dev/null; then
  echo "== independent check of the export (Tools/verify_ledger.py)"
  python3 Tools/verify_ledger.py export "$data/export.jsonl"
fi

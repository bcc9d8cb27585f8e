#!/usr/bin/env bash
# Cross-checks the Swift implementation against the independent Python verifier.
#
# Builds a small ledger with the given oda-ledger binary, exports it, takes checkpoints, writes
# inclusion and consistency bundles, and has Tools/verify_ledger.py (written from
# Schemas/ledger-format.md alone) check all of it. Tampered copies must fail. The two
# implementations must agree on every byte the spec defines, or this script fails.
#
# Usage: Tools/ci_cross_check.sh PATH/TO/oda-ledger
# Environment: PYTHON (default python3), VERIFY_LEDGER (default: verify_ledger.py beside this script).
# Exit status: 0 all checks agree, 1 a check disagreed, 2 usage or setup error.
set -euo pipefail

if [ "$#" -ne 1 ]; then
    echo "usage: $0 PATH/TO/oda-ledger" >&2
    exit 2
fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if [ ! -x "$BIN" ]; then
    echo "$0: $1 is not an executable oda-ledger binary (build with: swift build -c release)" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
VERIFIER=${VERIFY_LEDGER:-$HERE/verify_ledger.py}
PYTHON=${PYTHON:-python3}
if [ ! -f "$VERIFIER" ]; then
    echo "$0: the Python verifier $VERIFIER does not exist" >&2
    exit 2
fi
if ! "$PYTHON" -c 'import cryptography' 2>/dev/null; then
    echo "$0: $PYTHON lacks the cryptography package (pip install cryptography)" >&2
    exit 2
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DATA=$WORK/data
failures=0
checks=0

# expect STATUS DESCRIPTION COMMAND...: runs COMMAND and compares its exit status.
expect() {
    local want=$1 what=$2 got
    shift 2
    checks=$((checks + 1))
    set +e
    "$@" >"$WORK/last.out" 2>&1
    got=$?
    set -e
    if [ "$got" -eq "$want" ]; then
        echo "ok   $what"
    else
        echo "FAIL $what: exit status $got, expected $want"
        sed 's/^/     | /' "$WORK/last.out"
        failures=$((failures + 1))
    fi
}

ledger() { "$BIN" "$1" --data "$DATA" "${@:2}"; }
py() { "$PYTHON" "$VERIFIER" "$@"; }

# events FROM TO: valid ODA catalogue events (the CLI validates every append) that exercise the
# canonical form: several streams, Lao script, escapes and a control character, emoji, negative
# amounts, arrays of objects, and the optional envelope members.
events() {
    local i p
    for i in $(seq "$1" "$2"); do
        p=$(printf 'LA-MPI-2026-%03d' "$((i - i % 4))")
        case $((i % 4)) in
        0) printf '{"stream":"project:%s","type":"ProjectProposed","payload":{"projectId":"%s","title":"ສະໜອງນ້ຳ ບ້ານ %d \\"phase\\"\\ttwo\\u0001","developmentPartner":"XM-DAC-41114","implementingAgency":"LA-MPWT","plannedStartDate":"2026-01-01","plannedEndDate":"2027-12-31","estimatedCost":{"amount":"%d.50","currency":"USD"},"sectorWorkingGroup":"infrastructure"},"occurredAt":"2026-03-01","idempotencyKey":"import-%d"}\n' "$p" "$p" "$i" "$((1000 * i))" "$i" ;;
        1) printf '{"stream":"project:%s","type":"DisbursementRecorded","payload":{"transactionId":"D-%d","date":"2026-04-02","amount":{"amount":"%d.00","currency":"LAK"},"provider":"XM-DAC-41114","reference":"DISB-%d"},"correlationId":"batch-%d"}\n' "$p" "$i" "$((250000 + i))" "$i" "$((i / 10))" ;;
        2) printf '{"stream":"project:%s","type":"CommitmentRecorded","payload":{"transactionId":"C-%d","date":"2026-02-20","amount":{"amount":"-%d.25","currency":"EUR"},"provider":"XM-DAC-41114","reference":"€ ≠ $; emoji 🇱🇦"}}\n' "$p" "$i" "$((7 * i))" ;;
        3) printf '{"stream":"project:%s","type":"SectorAllocationRevised","payload":{"allocations":[{"sector":"14030","percentage":"66.6667"},{"sector":"14031","percentage":"33.3333"}],"reason":"Split %d"}}\n' "$p" "$i" ;;
        esac
    done
}

echo "== building a ledger with $BIN"
ledger init >/dev/null
printf 'checkpoint.every_events = 0\ncheckpoint.every_minutes = 0\n' >"$DATA/ledger.conf"
VKEY=$DATA/signing-key.vkey
cp "$VKEY" "$WORK/original.vkey"
events 0 24 | ledger append >/dev/null
ledger checkpoint --out "$WORK/cp25.note" 2>/dev/null
events 25 41 | ledger append >/dev/null
ledger checkpoint --out "$WORK/cp42.note" 2>/dev/null
ledger export --out "$WORK/export.jsonl" 2>/dev/null

echo "== export and checkpoints (spec §2–§7)"
expect 0 "python: export (hashes, chain)" py export "$WORK/export.jsonl"
expect 0 "python: export against the checkpoint of size 25" py export "$WORK/export.jsonl" --checkpoint "$WORK/cp25.note" --key "$VKEY"
expect 0 "python: export against the checkpoint of size 42" py export "$WORK/export.jsonl" --checkpoint "$WORK/cp42.note" --key "$VKEY"
expect 0 "swift: verify against the checkpoint of size 25" ledger verify --checkpoint "$WORK/cp25.note" --key "$WORK/original.vkey"

echo "== inclusion and consistency bundles (spec §8)"
for spec in "1 cp42" "16 cp25" "25 cp25" "26 cp42" "42 cp42"; do
    set -- $spec
    ledger prove --seq "$1" --checkpoint "$WORK/$2.note" --out "$WORK/inclusion-$1.json" 2>/dev/null
    expect 0 "python: inclusion of seq $1 in $2" py bundle "$WORK/inclusion-$1.json" --key "$VKEY"
done
ledger prove --seq 7 --out "$WORK/inclusion-7-stored.json" 2>/dev/null
expect 0 "python: inclusion of seq 7 in the ledger's smallest covering checkpoint" py bundle "$WORK/inclusion-7-stored.json" --key "$VKEY"
ledger prove --from-checkpoint "$WORK/cp25.note" --to-checkpoint "$WORK/cp42.note" --out "$WORK/consistency-25-42.json" 2>/dev/null
expect 0 "python: consistency 25 → 42" py bundle "$WORK/consistency-25-42.json" --key "$VKEY"
events 43 47 | ledger append >/dev/null
ledger prove --from-checkpoint "$WORK/cp42.note" --out "$WORK/consistency-42-now.json" 2>/dev/null
expect 0 "python: consistency 42 → a fresh checkpoint of 47" py bundle "$WORK/consistency-42-now.json" --key "$VKEY"

echo "== a cosigned checkpoint in a bundle (spec §7 cosignature lines are ignored by the ledger key check)"
"$BIN" keygen --out "$WORK/auditor.pem" --name audit.sao.gov.la >"$WORK/auditor.vkey" 2>/dev/null
ledger cosign --checkpoint "$WORK/cp42.note" --key "$WORK/auditor.pem" --name audit.sao.gov.la --previous "$WORK/cp25.note" >/dev/null 2>&1
ledger prove --seq 30 --out "$WORK/inclusion-30-cosigned.json" 2>/dev/null
expect 0 "python: inclusion in a cosigned checkpoint" py bundle "$WORK/inclusion-30-cosigned.json" --key "$VKEY"

echo "== tampering must be caught by the Python verifier"
"$PYTHON" - "$WORK/inclusion-16.json" "$WORK/flipped.json" <<'EOF'
import json, sys
bundle = json.load(open(sys.argv[1], encoding="utf-8"))
first = bundle["proof"][0]
bundle["proof"][0] = ("1" if first[0] == "0" else "0") + first[1:]
open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(bundle, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
EOF
expect 1 "python: a bundle with one flipped proof digit fails" py bundle "$WORK/flipped.json" --key "$VKEY"
"$PYTHON" - "$WORK/inclusion-16.json" "$WORK/inclusion-26.json" "$WORK/swapped.json" <<'EOF'
import json, sys
bundle = json.load(open(sys.argv[1], encoding="utf-8"))
other = json.load(open(sys.argv[2], encoding="utf-8"))
bundle["event"], bundle["leafIndex"] = other["event"], other["leafIndex"]
open(sys.argv[3], "w", encoding="utf-8").write(json.dumps(bundle, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
EOF
expect 1 "python: a bundle carrying another event fails" py bundle "$WORK/swapped.json" --key "$VKEY"
expect 1 "python: a bundle checked with another ledger's key fails" py bundle "$WORK/inclusion-16.json" --key "$(
    "$BIN" init --data "$WORK/other" >/dev/null && cat "$WORK/other/signing-key.vkey")"
head -n 20 "$WORK/export.jsonl" >"$WORK/cut.jsonl"
expect 1 "python: an export with its tail cut fails against the checkpoint of 25" py export "$WORK/cut.jsonl" --checkpoint "$WORK/cp25.note" --key "$VKEY"
sed '10s/"reference":"DISB-9"/"reference":"DISB-X"/' "$WORK/export.jsonl" >"$WORK/modified.jsonl"
expect 1 "python: an export with one changed event fails" py export "$WORK/modified.jsonl"

echo "== key rotation (spec §10): new checkpoints are checked with the new key"
ledger rotate-key >/dev/null 2>&1
events 48 52 | ledger append >/dev/null
ledger checkpoint --out "$WORK/cp53.note" 2>/dev/null
ledger export --out "$WORK/export-rotated.jsonl" 2>/dev/null
ledger prove --seq 50 --checkpoint "$WORK/cp53.note" --out "$WORK/inclusion-50.json" 2>/dev/null
expect 0 "python: export with the rotation event, against the new key's checkpoint" py export "$WORK/export-rotated.jsonl" --checkpoint "$WORK/cp53.note" --key "$VKEY"
expect 0 "python: inclusion after rotation, with the new key" py bundle "$WORK/inclusion-50.json" --key "$VKEY"
expect 0 "python: the old bundles still verify with the retired key" py bundle "$WORK/inclusion-16.json" --key "$WORK/original.vkey"
expect 0 "swift: a checkpoint signed after rotation verifies from the original key" ledger verify --checkpoint "$WORK/cp53.note" --key "$WORK/original.vkey"

echo "== $checks checks, $failures failed"
[ "$failures" -eq 0 ] || exit 1

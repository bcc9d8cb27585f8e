"""Tests for verify_ledger.py, the independent verifier of the ODA Ledger format.

Run from the repository root: python3 -m unittest discover -s Tools -p 'test_*.py'

The verifier must agree with the format specification (Schemas/ledger-format.md) and with public
test vectors, not with the Swift code, so these tests pin it to the spec's worked example and to
RFC 8785, RFC 9162 and C2SP vectors, then tamper with a synthetic ledger in every way the
verifier must name (kind and exact seq).
"""

from __future__ import annotations

import base64
import copy
import glob
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
SPEC = ROOT / "Schemas" / "ledger-format.md"
VECTORS = ROOT / "Tests" / "Fixtures" / "vectors"
SCRIPT = TOOLS / "verify_ledger.py"

sys.path.insert(0, str(TOOLS))
import verify_ledger as vl  # noqa: E402  (the tool is a script beside this file, not a package)

ZERO = "0" * 64


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# ---------------------------------------------------------------------------------------------
# Spec §5: the worked example
# ---------------------------------------------------------------------------------------------

EVENT_1 = {
    "seq": 1,
    "stream": "project:LA-MPI-2026-001",
    "streamVersion": 1,
    "type": "ProjectProposed",
    "schemaVersion": 1,
    "payload": {
        "projectId": "LA-MPI-2026-001",
        "title": "Rural water supply, Savannakhet",
        "partner": "XM-DAC-41114",
        "province": "LA-SV",
        "plannedBudget": {"currency": "USD", "amount": "1250000.00"},
    },
    "actor": {"unit": "LA-SV", "role": "recorder", "id": "user:somsack"},
    "recordedAt": "2026-03-02T02:15:07.123456Z",
    "occurredAt": "2026-03-01",
    "idempotencyKey": "import-7f3a-0001",
    "prev": ZERO,
}
EVENT_1_BYTES = (
    b'{"actor":{"id":"user:somsack","role":"recorder","unit":"LA-SV"},"idempotencyKey":"import-7f3a-0001",'
    b'"occurredAt":"2026-03-01","payload":{"partner":"XM-DAC-41114","plannedBudget":{"amount":"1250000.00",'
    b'"currency":"USD"},"projectId":"LA-MPI-2026-001","province":"LA-SV","title":"Rural water supply, Savannakhet"},'
    b'"prev":"0000000000000000000000000000000000000000000000000000000000000000","recordedAt":"2026-03-02T02:15:07.123456Z",'
    b'"schemaVersion":1,"seq":1,"stream":"project:LA-MPI-2026-001","streamVersion":1,"type":"ProjectProposed"}'
)
HASH_1 = "a611d83fa9e8bd1163412afa7c93cd79269fe439dd44f1d9fa9390d0e44b4713"
EVENT_2_BYTES = (
    b'{"actor":{"id":"user:vilay","role":"recorder"},"payload":{"amount":{"amount":"250000.00","currency":"USD"},'
    b'"projectId":"LA-MPI-2026-001","reference":"DISB-2026-0042"},'
    b'"prev":"a611d83fa9e8bd1163412afa7c93cd79269fe439dd44f1d9fa9390d0e44b4713",'
    b'"recordedAt":"2026-03-02T02:15:07.500000Z","schemaVersion":1,"seq":2,"stream":"project:LA-MPI-2026-001",'
    b'"streamVersion":2,"type":"DisbursementRecorded"}'
)
HASH_2 = "c7c66a2e15f7f46136bff62767d2441387ab6422ce8e8379aed21b65b7dc4c15"
EXPORT_LINE_1 = EVENT_1_BYTES.replace(b'"idempotencyKey"', b'"hash":"' + HASH_1.encode() + b'","idempotencyKey"', 1)


class WorkedExampleTests(unittest.TestCase):
    """Spec §5, byte for byte. The expected strings are also looked up in the spec itself, so a
    change of the spec that is not carried over here fails."""

    def event_2(self) -> dict:
        return {
            "type": "DisbursementRecorded",
            "seq": 2,
            "streamVersion": 2,
            "stream": "project:LA-MPI-2026-001",
            "schemaVersion": 1,
            "payload": {"reference": "DISB-2026-0042", "projectId": "LA-MPI-2026-001",
                        "amount": {"currency": "USD", "amount": "250000.00"}},
            "actor": {"role": "recorder", "id": "user:vilay"},
            "recordedAt": "2026-03-02T02:15:07.500000Z",
            "prev": HASH_1,
        }

    def test_quoted_bytes_are_the_specs(self):
        spec = SPEC.read_text(encoding="utf-8")
        for quoted in (EVENT_1_BYTES, EVENT_2_BYTES, EXPORT_LINE_1):
            self.assertIn("\n" + quoted.decode() + "\n", spec)
        for digest in (HASH_1, HASH_2):
            self.assertIn(f"`{digest}`", spec)

    def test_event_1_canonical_bytes_and_hash(self):
        body = vl.canonicalize(EVENT_1)
        self.assertEqual(body, EVENT_1_BYTES)
        self.assertEqual(hashlib.sha256(body).hexdigest(), HASH_1)

    def test_event_2_canonical_bytes_and_hash(self):
        body = vl.canonicalize(self.event_2())
        self.assertEqual(body, EVENT_2_BYTES)
        self.assertEqual(hashlib.sha256(body).hexdigest(), HASH_2)

    def test_export_line_of_event_1(self):
        self.assertEqual(vl.canonicalize({**EVENT_1, "hash": HASH_1}), EXPORT_LINE_1)

    def test_example_export_verifies(self):
        lines = [EXPORT_LINE_1 + b"\n", vl.canonicalize({**self.event_2(), "hash": HASH_2}) + b"\n"]
        report = vl.verify_export(lines)
        self.assertEqual(report.findings, [])
        self.assertEqual(report.summary, {"events": 2, "lastSeq": 2})

    def test_example_envelopes_follow_section_2(self):
        self.assertEqual(vl.rule_problems(EVENT_1, vl.ENVELOPE_RULES), [])
        self.assertEqual(vl.rule_problems(self.event_2(), vl.ENVELOPE_RULES), [])


# ---------------------------------------------------------------------------------------------
# Spec §1: RFC 8785 canonical JSON
# ---------------------------------------------------------------------------------------------

JCS = VECTORS / "jcs-rfc8785-cyberphone" / "testdata"
# These inputs hold numbers with a fraction or an exponent (56.0, 333333333.33333329, 1E30, 4.50,
# 2e-3, ...). RFC 8785 would serialize them as ES6 doubles; spec §1 refuses them anywhere in an
# event, so the verifier must refuse them rather than reproduce the RFC's output.
JCS_NON_INTEGER_INPUTS = {"structures.json", "values.json"}


class CanonicalJSONTests(unittest.TestCase):
    def test_rfc8785_vectors(self):
        inputs = sorted((JCS / "input").glob("*.json"))
        self.assertEqual(len(inputs), 6)
        for path in inputs:
            with self.subTest(path.name):
                text = path.read_text(encoding="utf-8")
                if path.name in JCS_NON_INTEGER_INPUTS:
                    with self.assertRaises(vl.JSONRuleError):
                        vl.canonicalize(vl.parse_json(text))
                else:
                    expected = (JCS / "output" / path.name).read_bytes()
                    self.assertEqual(vl.canonicalize(vl.parse_json(text)), expected)

    def test_refuses_what_section_1_refuses(self):
        for text in ('{"a":1.0}', '{"a":1e3}', '{"a":-0.5}', '{"a":NaN}', '{"a":Infinity}',
                     '{"a":1,"a":2}', '{"a":9007199254740992}', '{"a":-9007199254740992}', '{"a":"\\ud800"}'):
            with self.subTest(text):
                with self.assertRaises(vl.JSONRuleError):
                    vl.canonicalize(vl.parse_json(text))

    def test_integer_limits_and_zero(self):
        self.assertEqual(vl.canonicalize(vl.parse_json("[9007199254740991,-9007199254740991,-0,0]")),
                         b"[9007199254740991,-9007199254740991,0,0]")

    def test_string_escapes(self):
        value = "\"\\\b\f\n\r\t\x00\x1f\x7f\u2028é😂/"
        self.assertEqual(vl.canonicalize(value), '"\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u001f\x7f\u2028é😂/"'.encode())

    def test_member_names_sort_by_utf16_code_units(self):
        # By code point U+1F602 comes after U+FB33; in UTF-16 it is D83D DE02, and D83D < FB33.
        self.assertEqual(vl.canonicalize({"\ufb33": 1, "\U0001f602": 2, "a": 3}),
                         '{"a":3,"\U0001f602":2,"\ufb33":1}'.encode())


# ---------------------------------------------------------------------------------------------
# Spec §6: RFC 9162 Merkle tree
# ---------------------------------------------------------------------------------------------


class ReferenceTree:
    """RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 from their recursive definitions, to generate proofs
    for the tests; deliberately unlike the verifier's iterative code."""

    def __init__(self, leaf_hashes: list[bytes]):
        self.leaves = leaf_hashes
        self.mth = lru_cache(maxsize=None)(self._mth)

    @staticmethod
    def split(n: int) -> int:
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    def _mth(self, lo: int, hi: int) -> bytes:
        if hi - lo == 0:
            return sha256(b"")
        if hi - lo == 1:
            return self.leaves[lo]
        k = self.split(hi - lo)
        return sha256(b"\x01" + self.mth(lo, lo + k) + self.mth(lo + k, hi))

    def path(self, m: int, lo: int, hi: int) -> list[bytes]:
        if hi - lo == 1:
            return []
        k = self.split(hi - lo)
        if m < k:
            return self.path(m, lo, lo + k) + [self.mth(lo + k, hi)]
        return self.path(m - k, lo + k, hi) + [self.mth(lo, lo + k)]

    def consistency(self, m: int, n: int) -> list[bytes]:
        return self._subproof(m, 0, n, True)

    def _subproof(self, m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
        if m == hi - lo:
            return [] if complete else [self.mth(lo, hi)]
        k = self.split(hi - lo)
        if m <= k:
            return self._subproof(m, lo, lo + k, complete) + [self.mth(lo + k, hi)]
        return self._subproof(m - k, lo + k, hi, False) + [self.mth(lo, lo + k)]


def compact_root(leaf_hashes) -> bytes:
    tree = vl.CompactRange()
    for leaf in leaf_hashes:
        tree.append(leaf)
    return tree.root()


class MerkleTests(unittest.TestCase):
    def setUp(self):
        self.ref = json.loads((VECTORS / "rfc6962-reference-tree" / "reference_tree_8.json").read_text())
        self.leaves = [vl.leaf_hash(bytes.fromhex(d)) for d in self.ref["leaves_hex"]]

    def test_reference_roots(self):
        for size, root in enumerate(self.ref["roots_by_size"]):
            with self.subTest(size=size):
                self.assertEqual(compact_root(self.leaves[:size]).hex(), root)

    def test_reference_inclusion_proofs(self):
        for case in self.ref["inclusion"]:
            with self.subTest(index=case["leaf_index"], size=case["tree_size"]):
                leaf, root = bytes.fromhex(case["leaf_hash"]), bytes.fromhex(case["root"])
                proof = [bytes.fromhex(p) for p in case["proof"]]
                self.assertEqual(leaf, self.leaves[case["leaf_index"]])
                self.assertTrue(vl.verify_inclusion(leaf, case["leaf_index"], case["tree_size"], proof, root))
                wrong_root = bytes([root[0] ^ 1]) + root[1:]
                self.assertFalse(vl.verify_inclusion(leaf, case["leaf_index"], case["tree_size"], proof, wrong_root))
                if proof:
                    self.assertFalse(vl.verify_inclusion(leaf, case["leaf_index"], case["tree_size"], proof[:-1], root))
                    self.assertFalse(vl.verify_inclusion(leaf, case["leaf_index"] ^ 1, case["tree_size"], proof, root))

    def test_reference_consistency_proofs(self):
        for case in self.ref["consistency"]:
            with self.subTest(size1=case["size1"], size2=case["size2"]):
                args = (case["size1"], case["size2"], bytes.fromhex(case["root1"]), bytes.fromhex(case["root2"]))
                proof = [bytes.fromhex(p) for p in case["proof"]]
                self.assertTrue(vl.verify_consistency(*args, proof))
                self.assertFalse(vl.verify_consistency(*args, proof + [bytes(32)]))
                if proof:
                    self.assertFalse(vl.verify_consistency(*args, proof[1:]))

    def test_accumulated_130(self):
        """Roots and proofs for trees up to 130 leaves, compared through the file's rolling
        digests; every generated proof must also pass the verifier."""
        spec = json.loads((VECTORS / "rfc6962-reference-tree" / "accumulated_130.json").read_text())["generated"]
        tree = ReferenceTree([vl.leaf_hash(bytes([i])) for i in range(130)])
        roots = hashlib.sha256()
        for size in range(131):
            roots.update(f"{size} {compact_root(tree.leaves[:size]).hex()}\n".encode())
        self.assertEqual(roots.hexdigest(), spec["roots"]["sha256"])
        inclusion = hashlib.sha256()
        for size in range(1, 131):
            for index in range(size):
                proof = tree.path(index, 0, size)
                inclusion.update((f"{index} {size}" + "".join(" " + p.hex() for p in proof) + "\n").encode())
                self.assertTrue(vl.verify_inclusion(tree.leaves[index], index, size, proof, tree.mth(0, size)))
        self.assertEqual(inclusion.hexdigest(), spec["inclusion_proofs"]["sha256"])
        consistency = hashlib.sha256()
        for size2 in range(1, 131):
            for size1 in range(1, size2 + 1):
                proof = tree.consistency(size1, size2)
                consistency.update((f"{size1} {size2}" + "".join(" " + p.hex() for p in proof) + "\n").encode())
                self.assertTrue(vl.verify_consistency(size1, size2, tree.mth(0, size1), tree.mth(0, size2), proof))
        self.assertEqual(consistency.hexdigest(), spec["consistency_proofs"]["sha256"])

    def test_transparency_dev_probes(self):
        """518 probes with mutations. One is a documented leniency of that implementation, not RFC
        behaviour (12-byte "roots" accepted when sizes are equal); a strict verifier refuses it."""
        lenient = "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"
        base = VECTORS / "transparency-dev-merkle" / "testdata"
        b64 = base64.b64decode
        count = 0
        for kind in ("inclusion", "consistency"):
            for path in sorted(glob.glob(str(base / kind / "**" / "*.json"), recursive=True)):
                name = os.path.relpath(path, base)
                case = json.loads(Path(path).read_text())
                proof = [b64(p) for p in case["proof"] or []]
                if kind == "inclusion":
                    ok = vl.verify_inclusion(b64(case["leafHash"]), case["leafIdx"], case["treeSize"], proof, b64(case["root"]))
                else:
                    ok = vl.verify_consistency(case["size1"], case["size2"], b64(case["root1"]), b64(case["root2"]), proof)
                with self.subTest(name):
                    self.assertEqual(ok, not case["wantErr"] and name != lenient)
                count += 1
        self.assertEqual(count, 196)


# ---------------------------------------------------------------------------------------------
# Spec §7: C2SP signed notes and checkpoints
# ---------------------------------------------------------------------------------------------


def raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


class SigningKey:
    """A ledger key as spec §7 describes it, built here with hashlib rather than the tool's code."""

    def __init__(self, name: str, private: Ed25519PrivateKey | None = None):
        self.name = name
        self.private = private or Ed25519PrivateKey.generate()
        self.public = raw_public(self.private)
        self.key_id = sha256(name.encode() + b"\n\x01" + self.public)[:4]

    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([1]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def sign(self, text: str) -> str:
        signature = base64.b64encode(self.key_id + self.private.sign(text.encode())).decode()
        return f"{text}\n\u2014 {self.name} {signature}\n"

    def checkpoint(self, events: list[dict], origin: str | None = None) -> str:
        tree = ReferenceTree([vl.leaf_hash(body(e)) for e in events])
        root = base64.b64encode(tree.mth(0, len(events))).decode()
        return self.sign(f"{origin or self.name}\n{len(events)}\n{root}\n")


class SignedNoteTests(unittest.TestCase):
    def setUp(self):
        data = json.loads((VECTORS / "c2sp-signed-note" / "signed_note_vectors.json").read_text(encoding="utf-8"))
        self.vectors = {v["name"]: v for v in data["vectors"]}

    def test_valid_notes_verify_with_every_signer(self):
        for vector in self.vectors.values():
            if vector.get("expect") != "valid":
                continue
            keys = vector.get("vkeys") or [vector["log_vkey"]]
            for vkey in keys:
                with self.subTest(vector["name"], vkey=vkey):
                    text = vl.open_note(vector["note"], vl.parse_vkey(vkey))
                    self.assertEqual(vector["note"][: len(text)], text)
                    self.assertTrue(text.endswith("\n") and not text.endswith("\n\n"))

    def test_tampered_note_fails(self):
        vector = self.vectors["go-sumdb-note-tampered-text"]
        with self.assertRaisesRegex(vl.NoteError, "does not verify"):
            vl.open_note(vector["note"], vl.parse_vkey(vector["vkeys"][0]))

    def test_key_id_and_signature_reproduce_from_the_private_key(self):
        vector = self.vectors["go-sumdb-note-two-signers"]
        seed = base64.b64decode(vector["skeys"]["PeterNeumann"].split("+", 4)[-1])[1:]
        key = SigningKey("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed))
        self.assertEqual(key.vkey(), vector["vkeys"][0])
        self.assertEqual(vl.key_id("PeterNeumann", key.public), key.key_id)
        text = vl.open_note(vector["note"], vl.parse_vkey(key.vkey()))
        self.assertIn(key.sign(text).splitlines()[-1], vector["note"])

    def test_checkpoint_bodies(self):
        vector = self.vectors["sum.golang.org-checkpoint-6476701"]
        checkpoint = vl.parse_checkpoint(vl.open_note(vector["note"], vl.parse_vkey(vector["vkeys"][0])))
        expected = vector["checkpoint"]
        self.assertEqual(checkpoint, vl.Checkpoint(expected["origin"], expected["size"], base64.b64decode(expected["root_b64"])))
        tree = vl.parse_checkpoint(self.vectors["go-tlog-format-tree"]["checkpoint_body"])
        self.assertEqual((tree.size, tree.root), (123456789012, vl.leaf_hash(b"hello world")))

    def test_cosigned_checkpoint_verifies_with_the_log_key_and_ignores_the_witness(self):
        vector = self.vectors["self-generated-checkpoint-with-cosignature-v1"]
        checkpoint = vl.parse_checkpoint(vl.open_note(vector["note"], vl.parse_vkey(vector["log_vkey"])))
        self.assertEqual(checkpoint.root.hex(), self.ref_root_8())
        with self.assertRaisesRegex(vl.NoteError, "not an Ed25519 key"):
            vl.parse_vkey(vector["witness_vkey"])  # type 0x04 is a cosigner, never the ledger key

    @staticmethod
    def ref_root_8() -> str:
        return json.loads((VECTORS / "rfc6962-reference-tree" / "reference_tree_8.json").read_text())["roots_by_size"][8]

    def test_ledger_checkpoint_rules(self):
        key = SigningKey("oda-ledger/" + "ab" * 16)
        good = key.sign(f"{key.name}\n0\n{base64.b64encode(sha256(b'')).decode()}\n")
        self.assertEqual(vl.verify_checkpoint(good, vl.parse_vkey(key.vkey())).size, 0)
        foreign = self.vectors["sum.golang.org-checkpoint-6476701"]
        with self.assertRaisesRegex(vl.NoteError, "origin"):
            vl.verify_checkpoint(foreign["note"], vl.parse_vkey(foreign["vkeys"][0]))
        impostor = SigningKey(key.name)
        with self.assertRaisesRegex(vl.NoteError, "not signed by"):
            vl.verify_checkpoint(impostor.sign(good.split("\n\n")[0] + "\n"), vl.parse_vkey(key.vkey()))
        forged_line = good.replace("\u2014 " + key.name + " ", "\u2014 " + key.name + " X", 1)
        with self.assertRaises(vl.NoteError):
            vl.verify_checkpoint(forged_line, vl.parse_vkey(key.vkey()))

    def test_malformed_notes_and_keys_are_refused(self):
        key = SigningKey("oda-ledger/" + "cd" * 16)
        vkey = vl.parse_vkey(key.vkey())
        note = key.checkpoint([])
        for broken in (note.replace("\u2014", "-"), note.rstrip("\n"), note.replace("\n\n", "\n"),
                       note.replace("\n0\n", "\n00\n"), "\t" + note):
            with self.subTest(broken=broken):
                with self.assertRaises(vl.NoteError):
                    vl.verify_checkpoint(broken, vkey)
        for broken in (key.vkey().replace(key.key_id.hex(), "00000000"), key.vkey()[:-4], "name-only"):
            with self.subTest(broken=broken):
                with self.assertRaises(vl.NoteError):
                    vl.parse_vkey(broken)


# ---------------------------------------------------------------------------------------------
# A synthetic ledger and its tamperings
# ---------------------------------------------------------------------------------------------

ORIGIN = "oda-ledger/5f3c0a9e7b2d4c6180a1b2c3d4e5f607"
T0 = datetime(2026, 3, 2, 2, 15, 7, 123456)
SEQ = 137  # the event each tampering test touches


def body(event: dict) -> bytes:
    """Canonical bytes of the envelope, i.e. the export object without `hash` (spec §4)."""
    return vl.canonicalize({k: v for k, v in event.items() if k != "hash"})


def rehash(event: dict) -> None:
    event["hash"] = hashlib.sha256(body(event)).hexdigest()


def rechain(events: list[dict], start: int = 0) -> list[dict]:
    """Recompute prev and hash from index `start` on: what a forger with write access does."""
    for index in range(start, len(events)):
        events[index]["prev"] = events[index - 1]["hash"] if index else ZERO
        rehash(events[index])
    return events


def timestamp(offset_ms: int) -> str:
    return (T0 + timedelta(milliseconds=offset_ms)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def make_ledger(n: int = 300) -> list[dict]:
    """n events over seven project streams, with the optional members and non-ASCII text."""
    events, versions = [], {}
    for seq in range(1, n + 1):
        project = f"LA-MPI-2026-{seq % 7 + 1:03d}"
        stream = "project:" + project
        version = versions[stream] = versions.get(stream, 0) + 1
        if version == 1:
            kind, payload = "ProjectProposed", {
                "projectId": project, "title": "ສະໜອງນ້ຳສະອາດ / Rural water supply", "partner": "XM-DAC-41114",
                "province": "LA-SV", "plannedBudget": {"amount": "1250000.00", "currency": "USD"}}
        else:
            kind, payload = "DisbursementRecorded", {
                "projectId": project, "reference": f"DISB-2026-{seq:04d}", "tranche": version - 1,
                "amount": {"amount": f"{seq * 1000}.00", "currency": "USD"}}
        event = {"seq": seq, "stream": stream, "streamVersion": version, "type": kind, "schemaVersion": 1,
                 "payload": payload, "actor": {"id": "user:vilay", "role": "recorder", "unit": "LA-SV"},
                 "recordedAt": timestamp(1500 * seq), "prev": ZERO}
        if seq % 10 == 0:
            event["idempotencyKey"] = f"import-7f3a-{seq:04d}"
        if seq % 3 == 0:
            event["occurredAt"] = "2026-03-01"
        if seq % 11 == 0:
            event["correlationId"] = f"op-{seq // 11}"
        events.append(event)
    return rechain(events)


def lines_of(events: list[dict]) -> list[bytes]:
    return [vl.canonicalize(event) + b"\n" for event in events]


def findings(report: vl.Report) -> list[tuple[str, int | None]]:
    return [(f.kind, f.seq) for f in report.findings]


class ExportTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.events = make_ledger()
        cls.key = SigningKey(ORIGIN)
        cls.vkey = vl.parse_vkey(cls.key.vkey())
        cls.checkpoint_300 = vl.verify_checkpoint(cls.key.checkpoint(cls.events), cls.vkey)
        cls.checkpoint_200 = vl.verify_checkpoint(cls.key.checkpoint(cls.events[:200]), cls.vkey)

    def ledger(self) -> list[dict]:
        return copy.deepcopy(self.events)

    def test_intact_export_verifies(self):
        for checkpoint in (None, self.checkpoint_300, self.checkpoint_200):
            with self.subTest(size=checkpoint and checkpoint.size):
                report = vl.verify_export(lines_of(self.events), checkpoint)
                self.assertEqual(findings(report), [])
                self.assertEqual((report.summary["events"], report.summary["lastSeq"]), (300, 300))

    def test_flipped_byte_in_payload_is_modified(self):
        lines = lines_of(self.events)
        at = lines[SEQ - 1].index(b"DISB-")
        lines[SEQ - 1] = lines[SEQ - 1][:at] + bytes([lines[SEQ - 1][at] ^ 0x20]) + lines[SEQ - 1][at + 1:]
        self.assertEqual(findings(vl.verify_export(lines)), [("modified", SEQ)])
        self.assertEqual(findings(vl.verify_export(lines, self.checkpoint_300)),
                         [("modified", SEQ), ("history-rewritten", None)])

    def test_modified_seq_member_is_reported_where_the_line_stands(self):
        lines = lines_of(self.events)
        lines[SEQ - 1] = lines[SEQ - 1].replace(b'"seq":%d,' % SEQ, b'"seq":%d,' % (SEQ + 50))
        report = vl.verify_export(lines)
        self.assertEqual(findings(report), [("modified", SEQ)])
        self.assertIn(f"its seq member says {SEQ + 50}", report.findings[0].message)

    def test_modified_event_adds_no_derived_findings(self):
        """A changed streamVersion, recordedAt or prev is one modification, not a cascade."""
        event = self.events[SEQ - 1]
        lines = lines_of(self.events)
        for member, value in (("streamVersion", 75), ("recordedAt", timestamp(0)), ("prev", "1" * 64)):
            with self.subTest(member):
                forged = vl.canonicalize({**event, member: value}) + b"\n"
                self.assertEqual(findings(vl.verify_export(lines[:SEQ - 1] + [forged] + lines[SEQ:])), [("modified", SEQ)])

    def test_edited_amount_with_recomputed_hash_breaks_the_link(self):
        events = self.ledger()
        events[SEQ - 1]["payload"]["amount"]["amount"] = "999999.00"
        rehash(events[SEQ - 1])
        report = vl.verify_export(lines_of(events))
        self.assertEqual(findings(report), [("broken-link", SEQ)])
        self.assertEqual(report.findings[0].line, SEQ)

    def test_deleted_line_is_missing(self):
        lines = lines_of(self.events)
        del lines[SEQ - 1]
        self.assertEqual(findings(vl.verify_export(lines)), [("missing", SEQ)])

    def test_deleted_range_is_one_finding(self):
        lines = lines_of(self.events)
        del lines[SEQ - 1: SEQ + 4]
        report = vl.verify_export(lines)
        self.assertEqual(findings(report), [("missing", SEQ)])
        self.assertEqual(report.findings[0].last, SEQ + 4)

    def test_deleted_first_line_is_missing(self):
        self.assertEqual(findings(vl.verify_export(lines_of(self.events)[1:])), [("missing", 1)])

    def test_swapped_lines_are_reordered(self):
        lines = lines_of(self.events)
        lines[SEQ - 1], lines[SEQ] = lines[SEQ], lines[SEQ - 1]
        report = vl.verify_export(lines)
        self.assertEqual(findings(report), [("reordered", SEQ + 1)])
        self.assertIn(f"before seq {SEQ}", report.findings[0].message)

    def test_line_moved_later_is_reordered(self):
        lines = lines_of(self.events)
        lines.insert(SEQ + 5, lines.pop(SEQ - 1))
        self.assertEqual(findings(vl.verify_export(lines)), [("reordered", SEQ)])

    def test_line_moved_earlier_is_reordered(self):
        lines = lines_of(self.events)
        lines.insert(SEQ - 6, lines.pop(SEQ - 1))
        self.assertEqual(findings(vl.verify_export(lines)), [("reordered", SEQ)])

    def test_inserted_line_is_inserted(self):
        """A forged event claiming an existing seq, chained to its predecessor and correctly hashed."""
        forged = copy.deepcopy(self.events[SEQ - 1])
        forged["payload"]["amount"]["amount"] = "5000000.00"
        rehash(forged)
        lines = lines_of(self.events)
        lines.insert(SEQ - 1, vl.canonicalize(forged) + b"\n")
        self.assertEqual(findings(vl.verify_export(lines)), [("inserted", SEQ)])

    def test_inserted_line_with_an_unknown_seq_is_inserted(self):
        forged = copy.deepcopy(self.events[SEQ - 1])
        forged["seq"] = 5000
        rehash(forged)
        lines = lines_of(self.events)
        lines.insert(SEQ - 1, vl.canonicalize(forged) + b"\n")
        self.assertEqual(findings(vl.verify_export(lines)), [("inserted", 5000)])

    def test_cut_tail_against_checkpoint(self):
        report = vl.verify_export(lines_of(self.events[:250]), self.checkpoint_300)
        self.assertEqual(findings(report), [("cut-tail", 251)])
        self.assertIn("the export has 250 events but the checkpoint commits to 300", report.findings[0].message)
        self.assertEqual(findings(vl.verify_export(lines_of(self.events[:250]))), [])  # the chain alone cannot tell

    def test_rewritten_history_against_older_checkpoint(self):
        events = self.ledger()
        events[119]["payload"]["amount"]["amount"] = "1.00"
        rechain(events, 119)
        lines = lines_of(events)
        self.assertEqual(findings(vl.verify_export(lines)), [])  # a fresh consistent chain (§3)
        report = vl.verify_export(lines, self.checkpoint_200)
        self.assertEqual(findings(report), [("history-rewritten", None)])
        self.assertIn("first 200 events", report.findings[0].message)

    def test_non_canonical_line_is_malformed(self):
        lines = lines_of(self.events)
        lines[SEQ - 1] = lines[SEQ - 1].replace(b'{"actor"', b'{ "actor"', 1)
        self.assertEqual(findings(vl.verify_export(lines)), [("malformed", SEQ)])

    def test_unparseable_line_is_malformed_at_its_seq(self):
        lines = lines_of(self.events)
        lines[SEQ - 1] = lines[SEQ - 1].replace(b'"schemaVersion":1', b'"schemaVersion":1.0', 1)
        report = vl.verify_export(lines)
        self.assertEqual(findings(report), [("malformed", SEQ)])
        self.assertIn("not an integer", report.findings[0].message)

    def test_rule_violations_are_malformed_and_name_the_field(self):
        cases = {
            "recordedAt": ("recordedAt", "2026-03-02T02:15:07Z"),
            "stream": ("stream", "-project"),
            "actor.role": ("actor", {"id": "user:vilay", "role": "Recorder"}),
            "occurredAt": ("occurredAt", None),
            "unknown member": ("comment", "x"),
            "missing member": ("schemaVersion", ...),
        }
        for needle, (member, value) in cases.items():
            with self.subTest(member):
                events = self.ledger()
                if value is ...:
                    del events[SEQ - 1][member]
                else:
                    events[SEQ - 1][member] = value
                rechain(events, SEQ - 1)
                report = vl.verify_export(lines_of(events))
                self.assertEqual(findings(report), [("malformed", SEQ)])
                self.assertIn(needle, report.findings[0].message)

    def test_line_without_final_line_feed_is_malformed(self):
        lines = lines_of(self.events)
        lines[-1] = lines[-1].rstrip(b"\n")
        self.assertEqual(findings(vl.verify_export(lines)), [("malformed", 300)])

    def test_stream_discontinuity(self):
        events = self.ledger()
        stream = events[SEQ - 1]["stream"]
        for event in events[SEQ - 1:]:
            if event["stream"] == stream:
                event["streamVersion"] += 1
        rechain(events)
        self.assertEqual(findings(vl.verify_export(lines_of(events))), [("stream-discontinuity", SEQ)])

    def test_recorded_at_decreased(self):
        events = self.ledger()
        events[SEQ - 1]["recordedAt"] = timestamp(1500 * (SEQ - 1) - 1)
        rechain(events)
        self.assertEqual(findings(vl.verify_export(lines_of(events))), [("recorded-at-decreased", SEQ)])

    def test_repeated_idempotency_key_is_malformed(self):
        events = self.ledger()
        events[SEQ - 1]["idempotencyKey"] = events[129]["idempotencyKey"]
        rechain(events)
        self.assertEqual(findings(vl.verify_export(lines_of(events))), [("malformed", SEQ)])

    def test_first_prev_must_be_zeros(self):
        events = self.ledger()
        events[0]["prev"] = "1" * 64
        rehash(events[0])
        rechain(events, 1)
        self.assertEqual(findings(vl.verify_export(lines_of(events))), [("broken-link", 1)])

    def test_every_finding_is_reported(self):
        lines = lines_of(self.events)
        lines[49] = lines[49].replace(b"USD", b"EUR")
        lines[199], lines[200] = lines[200], lines[199]
        del lines[99]
        self.assertEqual(findings(vl.verify_export(lines)), [("modified", 50), ("missing", 100), ("reordered", 201)])


# ---------------------------------------------------------------------------------------------
# Spec §8: proof bundles
# ---------------------------------------------------------------------------------------------


def inclusion_bundle(key: SigningKey, events: list[dict], seq: int, size: int, event: dict | None = None) -> dict:
    tree = ReferenceTree([vl.leaf_hash(body(e)) for e in events[:size]])
    return {"checkpoint": key.checkpoint(events[:size]), "event": event or events[seq - 1],
            "format": "oda-ledger-proof/1", "kind": "inclusion", "leafIndex": seq - 1,
            "proof": [p.hex() for p in tree.path(seq - 1, 0, size)], "treeSize": size}


def consistency_bundle(key: SigningKey, events: list[dict], old: int, new: int) -> dict:
    tree = ReferenceTree([vl.leaf_hash(body(e)) for e in events[:new]])
    return {"format": "oda-ledger-proof/1", "kind": "consistency",
            "newCheckpoint": key.checkpoint(events[:new]), "newSize": new,
            "oldCheckpoint": key.checkpoint(events[:old]), "oldSize": old,
            "proof": [p.hex() for p in tree.consistency(old, new)]}


class BundleTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.events = make_ledger()
        cls.key = SigningKey(ORIGIN)
        cls.vkey = vl.parse_vkey(cls.key.vkey())

    def inclusion(self, seq: int = SEQ, size: int = 300, event: dict | None = None) -> dict:
        return inclusion_bundle(self.key, self.events, seq, size, event)

    def consistency(self, old: int = 200, new: int = 300) -> dict:
        return consistency_bundle(self.key, self.events, old, new)

    def check(self, bundle: dict) -> list[tuple[str, int | None]]:
        return findings(vl.verify_bundle(vl.canonicalize(bundle), self.vkey))

    def test_inclusion_verifies(self):
        for seq, size in ((1, 1), (1, 300), (SEQ, 200), (300, 300)):
            with self.subTest(seq=seq, size=size):
                self.assertEqual(self.check(self.inclusion(seq, size)), [])

    def test_inclusion_of_an_edited_event_fails(self):
        event = copy.deepcopy(self.events[SEQ - 1])
        event["payload"]["amount"]["amount"] = "1.00"
        self.assertEqual(self.check(self.inclusion(event=event)), [("modified", SEQ)])
        rehash(event)
        self.assertEqual(self.check(self.inclusion(event=event)), [("bad-proof", SEQ)])

    def test_inclusion_rules(self):
        bundle = self.inclusion()
        self.assertEqual(self.check({**bundle, "leafIndex": SEQ}), [("malformed", SEQ)])
        self.assertEqual(self.check({**bundle, "treeSize": 299}), [("bad-checkpoint", None)])
        self.assertEqual(self.check({**bundle, "proof": bundle["proof"][:-1]}), [("bad-proof", SEQ)])
        self.assertEqual(self.check({**bundle, "extra": 1}), [("malformed", None)])
        other = SigningKey(ORIGIN)
        self.assertEqual(self.check({**bundle, "checkpoint": other.checkpoint(self.events)}), [("bad-checkpoint", None)])

    def test_consistency_verifies(self):
        for old, new in ((1, 300), (200, 300), (256, 300), (300, 300)):
            with self.subTest(old=old, new=new):
                self.assertEqual(self.check(self.consistency(old, new)), [])

    def test_consistency_with_rewritten_history_fails(self):
        rewritten = copy.deepcopy(self.events)
        rewritten[119]["payload"]["amount"]["amount"] = "1.00"
        rechain(rewritten, 119)
        bundle = {**self.consistency(), "newCheckpoint": self.key.checkpoint(rewritten)}
        self.assertEqual(self.check(bundle), [("bad-proof", None)])

    def test_consistency_rules(self):
        bundle = self.consistency()
        self.assertEqual(self.check({**bundle, "oldSize": 201}), [("bad-checkpoint", None)])
        self.assertEqual(self.check({**bundle, "proof": bundle["proof"] + [ZERO]}), [("bad-proof", None)])
        self.assertEqual(self.check({**bundle, "format": "oda-ledger-proof/2"}), [("malformed", None)])

    def test_bundle_must_be_canonical(self):
        data = json.dumps(self.consistency(), indent=1).encode()
        self.assertEqual(findings(vl.verify_bundle(data, self.vkey)), [("malformed", None)])
        self.assertEqual(findings(vl.verify_bundle(vl.canonicalize(self.consistency()) + b"\n", self.vkey)), [])


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------


class CommandLineTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        directory = Path(cls.tmp.name)
        events = make_ledger()
        key = SigningKey(ORIGIN)
        cls.vkey = key.vkey()
        cls.key_file = directory / "signing-key.vkey"
        cls.key_file.write_text(cls.vkey + "\n")
        cls.export = directory / "export.jsonl"
        cls.export.write_bytes(b"".join(lines_of(events)))
        cls.tampered = directory / "tampered.jsonl"
        cls.tampered.write_bytes(b"".join(lines_of(events[:SEQ - 1] + events[SEQ:])))
        cls.checkpoint = directory / "checkpoint.note"
        cls.checkpoint.write_text(key.checkpoint(events), encoding="utf-8")
        cls.bundle = directory / "bundle.json"
        cls.bundle.write_bytes(vl.canonicalize(consistency_bundle(key, events, 100, 300)))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_tool(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)

    def test_verified_export_exits_0(self):
        result = self.run_tool("export", str(self.export), "--checkpoint", str(self.checkpoint), "--key", str(self.key_file))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("VERIFIED: 300 events", result.stdout)

    def test_key_given_as_a_string(self):
        result = self.run_tool("export", str(self.export), "--checkpoint", str(self.checkpoint), "--key", self.vkey)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_integrity_failure_exits_1_with_json(self):
        result = self.run_tool("export", str(self.tampered), "--checkpoint", str(self.checkpoint), "--key", self.vkey, "--json")
        self.assertEqual(result.returncode, 1, result.stderr)
        report = json.loads(result.stdout)
        self.assertFalse(report["verified"])
        self.assertEqual([(f["kind"], f.get("seq")) for f in report["findings"]], [("missing", SEQ)])
        self.assertEqual(report["events"], 299)

    def test_text_findings_name_seq_and_kind(self):
        result = self.run_tool("export", str(self.tampered))
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"seq {SEQ}: missing:", result.stdout)

    def test_usage_and_io_errors_exit_2(self):
        for args in (("export", "/nonexistent/export.jsonl"),
                     ("export", str(self.export), "--checkpoint", str(self.checkpoint)),
                     ("export", str(self.export), "--checkpoint", str(self.checkpoint), "--key", "not-a-key"),
                     ("bundle", str(self.bundle), "--key", self.vkey.replace("+", "+0", 1)),
                     ("bundle", str(self.bundle)),
                     ("frobnicate",)):
            with self.subTest(args=args):
                result = self.run_tool(*args)
                self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
                self.assertTrue(result.stderr.strip())

    def test_bundle_command(self):
        result = self.run_tool("bundle", str(self.bundle), "--key", str(self.key_file))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("consistency of tree size 100 with tree size 300", result.stdout)
        result = self.run_tool("bundle", str(self.export), "--key", str(self.key_file), "--json")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(json.loads(result.stdout)["findings"][0]["kind"], "malformed")

    def test_help(self):
        result = self.run_tool("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn("Exit status", result.stdout)


if __name__ == "__main__":
    unittest.main()

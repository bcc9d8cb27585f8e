#!/usr/bin/env python3
"""Independent verifier for ODA Ledger exports and proof bundles (format `oda-ledger/1`).

Auditors run this tool to check a ledger while trusting nothing on the server. It is written
from `Schemas/ledger-format.md` alone and shares no code with the Swift implementation, so a
bug in one is not silently repeated in the other. It needs Python 3.11 and the `cryptography`
package (Ed25519 only); RFC 8785 canonical JSON, the RFC 9162 Merkle tree and C2SP signed notes
are implemented here.

Exit status: 0 verified, 1 an integrity failure was found, 2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Callable, Iterable, Iterator

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

MAX_SAFE_INTEGER = 2**53 - 1  # spec §1: integers have absolute value at most 2^53 - 1
ZERO_HASH = "0" * 64  # spec §3: prev of seq 1
BUNDLE_FORMAT = "oda-ledger-proof/1"
MAX_NOTE_SIGNATURES = 100  # C2SP signed-note: verifiers SHOULD cap the signature count


class UsageError(Exception):
    """A problem with the command line or an unreadable input: exit status 2, not a finding."""


# ---------------------------------------------------------------------------------------------
# §1 JSON: strict parsing and RFC 8785 canonical serialization
# ---------------------------------------------------------------------------------------------


class JSONRuleError(ValueError):
    """A JSON value that the ledger refuses (spec §1): it can have no canonical bytes."""


def _refuse_non_integer(text: str):
    raise JSONRuleError(f"number {text} is not an integer (spec §1 refuses fractions and exponents)")


def _refuse_constant(text: str):
    raise JSONRuleError(f"{text} is not JSON")


def _unique_members(pairs: list) -> dict:
    """Object hook: I-JSON (and spec §1) forbid duplicate names; Python would keep the last one."""
    obj = {}
    for name, value in pairs:
        if name in obj:
            raise JSONRuleError(f"duplicate member name {_show(name)}")
        obj[name] = value
    return obj


_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique_members,
    parse_float=_refuse_non_integer,
    parse_constant=_refuse_constant,
)


def parse_json(text: str):
    """Parse JSON text, refusing what spec §1 refuses instead of silently accepting it.

    Fractions and exponents are refused here (Python would turn them into floats); integer range
    and lone surrogates are refused by `canonicalize`, which every parsed value goes through.
    """
    return _DECODER.decode(text)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _escape_char(match: re.Match) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _quote(text: str) -> str:
    """RFC 8785 §3.2.2.2: two-character escapes where JSON has them, \\u00xx (lowercase) for other
    control characters, everything else literal."""
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, text) + '"'


def _utf16_order(name: str) -> bytes:
    """Big-endian UTF-16 bytes compare as UTF-16 code units do. surrogatepass lets a lone
    surrogate reach the final UTF-8 encode, which reports it."""
    return name.encode("utf-16-be", "surrogatepass")


def _sorted_names(obj: dict) -> list[str]:
    """RFC 8785 §3.2.3 sorts member names by UTF-16 code units. For ASCII names that is plain
    string order: the common case, and much cheaper."""
    names = sorted(obj)
    if not all(map(str.isascii, names)):
        names.sort(key=_utf16_order)
    return names


def _canonical_text(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        if abs(value) > MAX_SAFE_INTEGER:
            raise JSONRuleError(f"integer {value} is beyond ±(2^53 - 1) (spec §1)")
        return str(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, list):
        return "[" + ",".join(map(_canonical_text, value)) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(_quote(name) + ":" + _canonical_text(value[name]) for name in _sorted_names(value)) + "}"
    raise JSONRuleError(f"{type(value).__name__} value {value!r} is not allowed (integers only, spec §1)")


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise JSONRuleError("a string contains a lone surrogate (not valid Unicode)") from error


def canonicalize(value) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value restricted as in spec §1."""
    return _utf8(_canonical_text(value))


def export_line_and_body(obj: dict) -> tuple[bytes, bytes]:
    """Canonical bytes of an export line and of its envelope, the line without `hash` (§4).

    They differ only by that member, so each member is serialized once for both: this halves
    the work on exports of millions of lines.
    """
    members = [(name, _quote(name) + ":" + _canonical_text(obj[name])) for name in _sorted_names(obj)]
    line = "{" + ",".join(text for _, text in members) + "}"
    body = "{" + ",".join(text for name, text in members if name != "hash") + "}"
    return _utf8(line), _utf8(body)


def _show(value, limit: int = 80) -> str:
    """A short, ASCII-safe rendering of a value for messages (values may hold lone surrogates)."""
    text = json.dumps(value, ensure_ascii=True, default=repr)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# §2 the event envelope: member rules
# ---------------------------------------------------------------------------------------------

_STREAM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+\-]{0,255}")
_TYPE = re.compile(r"[A-Z][A-Za-z0-9]{0,99}")
_TOKEN = re.compile(r"[!-~]{1,200}")  # printable ASCII without space
_ROLE = re.compile(r"[a-z]{1,50}")
_HASH = re.compile(r"[0-9a-f]{64}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.[0-9]{6}Z")

Check = Callable[[object], "str | None"]  # returns what is wrong, or None


def _count_error(value) -> str | None:
    if type(value) is int and 1 <= value <= MAX_SAFE_INTEGER:
        return None
    return "must be an integer from 1 to 2^53 - 1"


def _pattern(regex: re.Pattern, rule: str) -> Check:
    def check(value) -> str | None:
        return None if isinstance(value, str) and regex.fullmatch(value) else f"must be {rule}"

    return check


def _real_date(match: re.Match) -> bool:
    try:
        date(*map(int, match.groups()[:3]))
    except ValueError:
        return False
    return True


def _timestamp_error(value) -> str | None:
    """Spec §1: RFC 3339 UTC with six fractional digits and Z, and a real instant (one spelling
    per instant: no 24:00, no leap second 60, no February 30)."""
    match = _TIMESTAMP.fullmatch(value) if isinstance(value, str) else None
    if match:
        try:
            datetime(*map(int, match.groups()))
            return None
        except ValueError:
            pass
    return "must be a canonical timestamp like 2026-03-02T02:15:07.123456Z"


def _occurred_at_error(value) -> str | None:
    if isinstance(value, str) and (match := _DATE.fullmatch(value)) and _real_date(match):
        return None
    if _timestamp_error(value) is None:
        return None
    return "must be a date YYYY-MM-DD or a canonical timestamp"


def _object_error(value) -> str | None:
    return None if isinstance(value, dict) else "must be an object"


_hash_check = _pattern(_HASH, "64 lowercase hex digits")
_stream_check = _pattern(_STREAM, "1-256 characters from A-Z a-z 0-9 . _ : / @ + -, first a letter or digit")
_token_check = _pattern(_TOKEN, "1-200 printable ASCII characters without spaces")

# member name -> (required, check); a nested rule table stands for an object checked member by member
ACTOR_RULES = {
    "id": (True, _token_check),
    "role": (False, _pattern(_ROLE, "1-50 lowercase letters")),
    "unit": (False, _token_check),
}
ENVELOPE_RULES = {
    "seq": (True, _count_error),
    "stream": (True, _stream_check),
    "streamVersion": (True, _count_error),
    "type": (True, _pattern(_TYPE, "1-100 ASCII letters and digits, first a capital")),
    "schemaVersion": (True, _count_error),
    "payload": (True, _object_error),
    "actor": (True, ACTOR_RULES),
    "recordedAt": (True, _timestamp_error),
    "occurredAt": (False, _occurred_at_error),
    "correlationId": (False, _token_check),
    "causationId": (False, _token_check),
    "idempotencyKey": (False, _token_check),
    "prev": (True, _hash_check),
}
EXPORT_LINE_RULES = {**ENVELOPE_RULES, "hash": (True, _hash_check)}  # spec §4


def rule_problems(obj: dict, rules: dict, where: str = "") -> list[str]:
    """Everything in `obj` that breaks the member table `rules`, each naming the member."""
    problems = [f"unknown member {_show(where + name)}" for name in obj if name not in rules]
    for name, (required, check) in rules.items():
        path = where + name
        if name not in obj:
            if required:
                problems.append(f"missing member {_show(path)}")
        elif obj[name] is None and not required:
            problems.append(f"{path} is null (optional members are left out, never null)")
        elif isinstance(check, dict):
            if isinstance(obj[name], dict):
                problems.extend(rule_problems(obj[name], check, path + "."))
            else:
                problems.append(f"{path} must be an object, got {_show(obj[name])}")
        elif (error := check(obj[name])) is not None:
            problems.append(f"{path} {error}, got {_show(obj[name])}")
    return problems


def _valid(obj: dict, name: str, check: Check):
    """The member's value if it follows its rule, else None: later checks use only sound values."""
    value = obj.get(name)
    return value if value is not None and check(value) is None else None


# ---------------------------------------------------------------------------------------------
# §6 Merkle tree (RFC 9162 §2.1)
# ---------------------------------------------------------------------------------------------

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class CompactRange:
    """The right edge of a growing Merkle tree: the roots of its perfect subtrees, largest first.

    Keeps O(log n) hashes, so an export of millions of events is checked against a checkpoint
    without holding its leaves.
    """

    def __init__(self) -> None:
        self.size = 0
        self._peaks: list[bytes] = []

    def append(self, leaf: bytes) -> None:
        merged, size = leaf, self.size
        while size & 1:  # each trailing 1 bit is a perfect subtree the new leaf completes
            merged = node_hash(self._peaks.pop(), merged)
            size >>= 1
        self._peaks.append(merged)
        self.size += 1

    def root(self) -> bytes:
        """RFC 9162 MTH: folding the peaks from the right is the split at the largest power of two."""
        if not self._peaks:
            return EMPTY_ROOT
        root = self._peaks[-1]
        for peak in reversed(self._peaks[:-1]):
            root = node_hash(peak, root)
        return root


def _all_hashes(*hashes: bytes) -> bool:
    return all(len(h) == 32 for h in hashes)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if not _all_hashes(leaf, root, *proof) or not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2 for 0 < first < second.

    The RFC defines proofs only for 0 < first < second. Equal sizes are accepted with an empty
    proof and equal roots (nothing to prove); a proof from the empty tree is refused as
    meaningless, as the transparency-dev test vectors do.
    """
    if not _all_hashes(first_root, second_root, *proof) or not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


# ---------------------------------------------------------------------------------------------
# §7 checkpoints: C2SP signed-note and tlog-checkpoint
# ---------------------------------------------------------------------------------------------

ED25519_TYPE = 0x01  # C2SP signed-note signature type of the ledger key
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_ORIGIN = re.compile(r"oda-ledger/[0-9a-f]{32}")
_TREE_SIZE = re.compile(r"0|[1-9][0-9]*")


class NoteError(ValueError):
    """A signed note or checkpoint that does not parse or does not verify."""


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: bytes
    public_key: bytes

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id.hex()}"


def key_id(name: str, public_key: bytes, signature_type: int = ED25519_TYPE) -> bytes:
    """C2SP: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ type ‖ public key)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([signature_type]) + public_key).digest()[:4]


def _strict_base64(text: str) -> bytes:
    """Standard base64 with padding, and only its one canonical spelling (no stray bits)."""
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise NoteError(f"bad base64 {_show(text, 40)}") from error
    if base64.b64encode(data).decode("ascii") != text:
        raise NoteError(f"non-canonical base64 {_show(text, 40)}")
    return data


def _valid_key_name(name: str) -> bool:
    """C2SP: key names are non-empty with no Unicode space and no plus sign."""
    return bool(name) and "+" not in name and not any(char.isspace() for char in name)


def parse_vkey(text: str) -> VerifierKey:
    """Parse `<name>+<key id, 8 hex>+<base64(0x01 ‖ public key)>` and check the id matches the key."""
    name, _, rest = text.partition("+")
    hex_id, _, encoded = rest.partition("+")
    if not _valid_key_name(name):
        raise NoteError("verifier key: the name must be non-empty, without spaces or '+'")
    if not re.fullmatch(r"[0-9a-fA-F]{8}", hex_id):
        raise NoteError("verifier key: the key id must be 8 hex digits")
    data = _strict_base64(encoded)
    if len(data) != 33 or data[0] != ED25519_TYPE:
        raise NoteError("verifier key: not an Ed25519 key (base64 of 0x01 and 32 bytes)")
    public_key = data[1:]
    if key_id(name, public_key) != bytes.fromhex(hex_id):
        raise NoteError(f"verifier key: key id {hex_id} does not match the name and public key")
    return VerifierKey(name, bytes.fromhex(hex_id), public_key)


def _parse_signature_line(line: str) -> tuple[str, bytes, bytes]:
    """`— <name> <base64(key id ‖ signature)>` -> (name, key id, signature)."""
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(f"signature line {_show(line, 40)} does not start with an em dash and a space")
    name, _, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
    if not _valid_key_name(name) or not encoded:
        raise NoteError(f"malformed signature line {_show(line, 40)}")
    data = _strict_base64(encoded)
    if len(data) < 5:
        raise NoteError(f"signature by {_show(name)} is too short")
    return name, data[:4], data[4:]


def open_note(note: str, key: VerifierKey) -> str:
    """Return the note text if `key` signed it, per C2SP signed-note.

    Signatures of other keys are ignored (cosignatures by auditors, key rotation); a failed
    signature of `key` rejects the whole note, and so does a malformed signature line.
    """
    if any(char < " " and char != "\n" for char in note):
        raise NoteError("the note contains a control character other than newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("no blank line between the note text and its signatures")
    text, block = note[: split + 1], note[split + 2:]
    if not block.endswith("\n"):
        raise NoteError("the signature lines do not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_NOTE_SIGNATURES:
        raise NoteError(f"more than {MAX_NOTE_SIGNATURES} signatures")
    signed = False
    for line in lines:
        name, sig_key_id, signature = _parse_signature_line(line)
        if (name, sig_key_id) != (key.name, key.key_id):
            continue
        try:
            if len(signature) != 64:
                raise InvalidSignature()
            Ed25519PublicKey.from_public_bytes(key.public_key).verify(signature, text.encode("utf-8"))
        except InvalidSignature as error:
            raise NoteError(f"the signature by {key} does not verify") from error
        signed = True
    if not signed:
        raise NoteError(f"not signed by {key}")
    return text


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def parse_checkpoint(text: str) -> Checkpoint:
    """C2SP tlog-checkpoint body: origin, tree size, base64 root, then optional extension lines."""
    if not text.endswith("\n"):
        raise NoteError("the checkpoint text does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise NoteError("a checkpoint needs origin, size and root hash lines, none of them empty")
    origin, size_text, root_text = lines[:3]
    if not _TREE_SIZE.fullmatch(size_text) or int(size_text) > MAX_SAFE_INTEGER:
        raise NoteError(f"checkpoint tree size {_show(size_text, 30)} is not a decimal integer up to 2^53 - 1")
    root = _strict_base64(root_text)
    if len(root) != 32:
        raise NoteError("checkpoint root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root)


def verify_checkpoint(note: str, key: VerifierKey) -> Checkpoint:
    """Spec §7: signed by the ledger key, whose name is the origin `oda-ledger/<ledger id>`."""
    checkpoint = parse_checkpoint(open_note(note, key))
    if not _ORIGIN.fullmatch(checkpoint.origin):
        raise NoteError(f"origin {_show(checkpoint.origin, 60)} is not oda-ledger/<32 lowercase hex digits>")
    if checkpoint.origin != key.name:
        raise NoteError(f"origin {checkpoint.origin} is not the key's name {key.name}")
    return checkpoint


# ---------------------------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One integrity failure. Kinds: modified, missing, reordered, inserted, broken-link,
    stream-discontinuity, recorded-at-decreased, malformed, cut-tail, history-rewritten,
    bad-checkpoint, bad-proof."""

    kind: str
    seq: int | None
    message: str
    line: int | None = None
    last: int | None = None  # last seq of a range of missing events

    def to_json(self) -> dict:
        return {name: value for name, value in asdict(self).items() if value is not None}

    def to_text(self) -> str:
        where = [f"seq {self.seq}" if self.last is None else f"seqs {self.seq}-{self.last}"] if self.seq else []
        where += [f"line {self.line}"] if self.line else []
        return f"{', '.join(where) or 'ledger'}: {self.kind}: {self.message}"

    def sort_key(self) -> tuple:
        return (self.seq is None, self.seq or 0, self.line or 0)


# ---------------------------------------------------------------------------------------------
# Export verification (§2, §3, §4, §6, §7)
# ---------------------------------------------------------------------------------------------


@dataclass
class Event:
    """One export line, with the values that follow their rules (None where they do not)."""

    line: int
    leaf_data: bytes  # what the Merkle leaf covers: the canonical body, or the raw line if unparseable
    seq: int | None = None
    prev: str | None = None
    stored_hash: str | None = None
    computed_hash: str | None = None
    stream: str | None = None
    stream_version: int | None = None
    recorded_at: str | None = None
    idempotency_key: str | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)

    def hashes(self) -> set[str]:
        """The hashes a successor's prev may name: stored and computed differ only if modified."""
        return {h for h in (self.stored_hash, self.computed_hash) if h is not None}

    @property
    def modified(self) -> bool:
        """Changed after it was hashed: its members are no evidence for other findings."""
        return None not in (self.stored_hash, self.computed_hash) and self.stored_hash != self.computed_hash


def _first_difference(a: bytes, b: bytes) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _take_fields(event: Event, obj: dict) -> None:
    event.seq = _valid(obj, "seq", _count_error)
    event.prev = _valid(obj, "prev", _hash_check)
    event.stored_hash = _valid(obj, "hash", _hash_check)
    event.stream = _valid(obj, "stream", _stream_check)
    event.stream_version = _valid(obj, "streamVersion", _count_error)
    event.recorded_at = _valid(obj, "recordedAt", _timestamp_error)
    event.idempotency_key = _valid(obj, "idempotencyKey", _token_check)


def parse_export_line(raw: bytes, line_no: int) -> Event:
    """Check one line on its own: line feed, UTF-8, JSON, §2 rules, canonical form, hash (§4)."""
    content = raw[:-1] if raw.endswith(b"\n") else raw
    event = Event(line=line_no, leaf_data=content)
    if content is raw:
        event.problems.append(("malformed", "the line does not end with a line feed"))
    try:
        obj = parse_json(content.decode("utf-8"))
    except UnicodeDecodeError as error:
        event.problems.append(("malformed", f"not UTF-8 (byte {error.start + 1})"))
        return event
    except (ValueError, RecursionError) as error:
        event.problems.append(("malformed", f"not valid JSON: {error}"))
        return event
    if not isinstance(obj, dict):
        event.problems.append(("malformed", "not a JSON object"))
        return event
    _take_fields(event, obj)
    event.problems.extend(("malformed", problem) for problem in rule_problems(obj, EXPORT_LINE_RULES))
    try:
        canonical_line, body = export_line_and_body(obj)
    except (JSONRuleError, RecursionError) as error:
        event.problems.append(("malformed", str(error)))
        return event
    if canonical_line != content:
        at = _first_difference(canonical_line, content) + 1
        event.problems.append(("malformed", f"not in RFC 8785 canonical form (differs from its re-serialization at byte {at})"))
    event.leaf_data = body
    event.computed_hash = sha256_hex(body)
    if event.stored_hash is not None and event.stored_hash != event.computed_hash:
        event.problems.append(
            ("modified", f"the event hashes to {event.computed_hash} but its hash member says {event.stored_hash}")
        )
    return event


class IdempotencyKeys:
    """Spec §2: idempotencyKey is unique in the ledger.

    This needs memory per keyed event; a 128-bit digest per key keeps it small.
    """

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def check(self, event: Event) -> None:
        if event.idempotency_key is None:
            return
        digest = int.from_bytes(hashlib.sha256(event.idempotency_key.encode()).digest()[:16], "big")
        if digest in self._seen:
            event.problems.append(
                ("malformed", f"idempotencyKey {_show(event.idempotency_key)} is already used by an earlier event")
            )
        self._seen.add(digest)


class SeqRanges:
    """A set of seqs kept as [first, last] ranges, added in increasing order: a sound export
    leaves it empty, and a deleted run of a million events is one range."""

    def __init__(self) -> None:
        self._ranges: list[list[int]] = []

    def add(self, first: int, last: int) -> None:
        if first > last:
            return
        if self._ranges and self._ranges[-1][1] + 1 == first:
            self._ranges[-1][1] = last
        else:
            self._ranges.append([first, last])

    def take(self, seq: int) -> bool:
        """Remove `seq` if it is here (it turned up late); tell whether it was."""
        for index, (first, last) in enumerate(self._ranges):
            if first <= seq <= last:
                self._ranges[index: index + 1] = [r for r in ([first, seq - 1], [seq + 1, last]) if r[0] <= r[1]]
                return True
        return False

    def count_between(self, low: int, high: int) -> int:
        """How many seqs strictly between low and high are here."""
        return sum(max(0, min(last, high - 1) - max(first, low + 1) + 1) for first, last in self._ranges)

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self._ranges)


class ChainChecker:
    """Checks, in seq order (§3): seq continuity, prev links, streamVersion and recordedAt.

    Lines arrive in export order, each with the seq of the line after it. A seq ahead of the
    expected one is a gap (missing events) when the next line continues after it, or an event
    moved early when the next line returns to the expected seq; an early event is held and
    checked when its turn comes, so a swap of two lines is one finding. A seq already passed is
    reordered (if it was skipped) or inserted (if it was seen). Memory: per-stream state and
    the anomalies, never the events themselves.
    """

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.expected = 1
        self.predecessor: set[str] | None = {ZERO_HASH}  # hashes the next prev may name; None: unknown
        self.predecessor_line: int | None = None
        self.last_recorded_at: tuple[str, int] | None = None  # (recordedAt, seq)
        self.streams: dict[str, tuple[int, int]] = {}  # stream -> (highest streamVersion, its seq)
        self.skipped = SeqRanges()  # seqs passed over and not seen (yet): missing unless they turn up late
        self.streamless = SeqRanges()  # in-order slots whose stream or streamVersion is unknown
        self.early: dict[int, tuple[Event, int]] = {}  # seq -> (event, seq expected when it came)

    def feed(self, event: Event, next_seq: int | None) -> None:
        if event.seq is None:
            self._unreadable(event, next_seq)
        elif event.modified and event.seq != self.expected and next_seq == self.expected + 1:
            self._unreadable(event, next_seq)  # the seq member itself was changed
        elif event.seq == self.expected:
            self._accept(event)
        elif event.seq > self.expected:
            if event.seq in self.early:
                self._inserted(event)
            elif next_seq is not None and next_seq < event.seq:
                self.early[event.seq] = (event, self.expected)
            else:
                self._skip_to(event)
        elif self.skipped.take(event.seq):
            self._add(event, "reordered", f"seq {event.seq} appears after seq {self.expected - 1}")
            self._report_problems(event, event.seq)
            self._fit_stream(event)
        else:
            self._inserted(event)

    def finish(self) -> None:
        """At the end of the export: early events never reached were inserted, gaps are missing."""
        for seq, (event, _) in sorted(self.early.items()):
            self._add(event, "inserted", f"seq {seq} appears but the export's seqs stop at {self.expected - 1}")
            self._report_problems(event, seq)
        for first, last in self.skipped:
            message = f"seq {first} is missing" if first == last else f"seqs {first}-{last} ({last - first + 1} events) are missing"
            self.findings.append(Finding("missing", first, message, last=None if first == last else last))

    @property
    def last_seq(self) -> int:
        return self.expected - 1

    def _add(self, event: Event, kind: str, message: str, seq: int | None = None) -> None:
        self.findings.append(Finding(kind, event.seq if seq is None else seq, message, event.line))

    def _report_problems(self, event: Event, seq: int | None) -> None:
        for kind, message in event.problems:
            self.findings.append(Finding(kind, seq, message, event.line))

    def _accept(self, event: Event) -> None:
        """The event is next in seq order: check it against its predecessor, then let any held
        early events whose turn has come follow it."""
        self._check_and_advance(event)
        self._release_early()

    def _check_and_advance(self, event: Event) -> None:
        if event.modified:  # reported as such; what it says now would only add derived findings
            self.streamless.add(event.seq, event.seq)
        else:
            self._check_link(event)
            self._check_stream(event)
            self._check_recorded_at(event)
        self._report_problems(event, event.seq)
        self.predecessor = event.hashes() or None
        self.predecessor_line = event.line
        self.expected = event.seq + 1

    def _release_early(self) -> None:
        """Iterative, not recursive: a long run of early events (a reversed file) must not
        exhaust the stack."""
        while self.expected in self.early:
            early, was_expected = self.early.pop(self.expected)
            self._add(early, "reordered", f"seq {early.seq} appears before seq {was_expected}")
            self._check_and_advance(early)

    def _skip_to(self, event: Event) -> None:
        """A gap: seqs expected..seq-1 are not here. Early events inside it lose their turn."""
        gap_start = self.expected
        for seq in sorted(s for s in self.early if s < event.seq):
            early, was_expected = self.early.pop(seq)
            self._add(early, "reordered", f"seq {seq} appears before seq {was_expected}")
            self._report_problems(early, seq)
            self.skipped.add(gap_start, seq - 1)
            gap_start = seq + 1
        self.skipped.add(gap_start, event.seq - 1)
        self.predecessor = None
        self._accept(event)

    def _inserted(self, event: Event) -> None:
        """A seq already seen. If it duplicates the latest event either may be the genuine one,
        so the next prev may name either."""
        self._add(event, "inserted", f"seq {event.seq} appears a second time")
        self._report_problems(event, event.seq)
        if event.seq == self.last_seq and self.predecessor is not None:
            self.predecessor |= event.hashes()
            self._fit_stream(event)

    def _fit_stream(self, event: Event) -> None:
        """An event out of turn that is the next of its stream still advances the stream, so its
        successors there are not reported a second time."""
        version, seq = self.streams.get(event.stream, (0, 0))
        if event.stream is not None and version + 1 == event.stream_version and seq < event.seq:
            self.streams[event.stream] = (event.stream_version, event.seq)

    def _unreadable(self, event: Event, next_seq: int | None) -> None:
        """A line without a trustworthy seq takes the expected slot if the next line continues after it."""
        if next_seq == self.expected + 1:
            if event.seq is not None:
                event.problems = [(kind, f"{message}; its seq member says {event.seq}" if kind == "modified" else message)
                                  for kind, message in event.problems]
            self._report_problems(event, self.expected)
            self.streamless.add(self.expected, self.expected)
            self.predecessor = None
            self.expected += 1
            self._release_early()
        else:
            self._report_problems(event, None)

    def _check_link(self, event: Event) -> None:
        if self.predecessor is None or event.prev is None or event.prev in self.predecessor:
            return
        if event.seq == 1:
            self._add(event, "broken-link", f"seq 1 has prev {event.prev}, not 64 zeros")
            return
        self.findings.append(Finding(
            "broken-link", event.seq - 1,
            f"the hash of seq {event.seq - 1} is not the prev of seq {event.seq} ({event.prev}): "
            f"seq {event.seq - 1} was changed and its hash recomputed, or seq {event.seq}'s prev was changed",
            self.predecessor_line,
        ))

    def _check_stream(self, event: Event) -> None:
        if event.stream is None or event.stream_version is None:
            self.streamless.add(event.seq, event.seq)
            return
        version, seq = self.streams.get(event.stream, (0, 0))
        gap = event.stream_version - version - 1
        if gap != 0 and not 0 < gap <= self._unknown_between(seq, event.seq):
            before = f"follows streamVersion {version} (seq {seq})" if version else "starts the stream (must be 1)"
            self._add(event, "stream-discontinuity", f"stream {event.stream}: streamVersion {event.stream_version} {before}")
        if event.stream_version > version:
            self.streams[event.stream] = (event.stream_version, event.seq)

    def _unknown_between(self, low: int, high: int) -> int:
        """Events between two seqs that may belong to any stream: missing, or with an unreadable
        stream. A stream's jump they can explain is already reported as their own finding."""
        return self.skipped.count_between(low, high) + self.streamless.count_between(low, high)

    def _check_recorded_at(self, event: Event) -> None:
        if event.recorded_at is None:
            return
        if self.last_recorded_at and event.recorded_at < self.last_recorded_at[0]:
            before, seq = self.last_recorded_at
            self._add(event, "recorded-at-decreased", f"recordedAt {event.recorded_at} is earlier than {before} of seq {seq}")
        self.last_recorded_at = (event.recorded_at, event.seq)


def _with_next(events: Iterable[Event]) -> Iterator[tuple[Event, Event | None]]:
    """Pair each event with the one after it: the chain check looks one line ahead."""
    iterator = iter(events)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        yield current, following
        current = following


@dataclass
class Report:
    command: str
    findings: list[Finding]
    summary: dict

    @property
    def verified(self) -> bool:
        return not self.findings

    def to_json(self) -> dict:
        return {"command": self.command, "verified": self.verified, **self.summary,
                "findings": [f.to_json() for f in self.findings]}


def verify_export(lines: Iterable[bytes], checkpoint: Checkpoint | None = None) -> Report:
    """Verify an export line by line; with a checkpoint, also the Merkle root of its first events."""
    chain, keys, tree = ChainChecker(), IdempotencyKeys(), CompactRange()
    root_at_checkpoint = EMPTY_ROOT if checkpoint and checkpoint.size == 0 else None
    count = 0

    def events() -> Iterator[Event]:
        nonlocal count, root_at_checkpoint
        for count, raw in enumerate(lines, 1):
            event = parse_export_line(raw, count)
            keys.check(event)
            if checkpoint and count <= checkpoint.size:
                tree.append(leaf_hash(event.leaf_data))
                if count == checkpoint.size:
                    root_at_checkpoint = tree.root()
            yield event

    for event, following in _with_next(events()):
        chain.feed(event, following.seq if following else None)
    chain.finish()
    findings = chain.findings
    summary: dict = {"events": count, "lastSeq": chain.last_seq}
    if checkpoint:
        summary["checkpoint"] = {"origin": checkpoint.origin, "size": checkpoint.size, "root": checkpoint.root.hex()}
        findings += _checkpoint_findings(checkpoint, count, chain.expected, root_at_checkpoint)
    return Report("export", sorted(findings, key=Finding.sort_key), summary)


def _checkpoint_findings(checkpoint: Checkpoint, count: int, next_seq: int, root: bytes | None) -> list[Finding]:
    """Spec §3/§7: the chain cannot show a cut tail or a full rewrite; the signed root can."""
    if root is None:
        if next_seq > checkpoint.size:
            return []  # the seqs reach the checkpoint but events inside are missing: reported as such
        return [Finding("cut-tail", next_seq,
                        f"the export has {count} events but the checkpoint commits to {checkpoint.size}: "
                        f"seqs {next_seq}-{checkpoint.size} were cut off")]
    if root != checkpoint.root:
        return [Finding("history-rewritten", None,
                        f"the Merkle root of the export's first {checkpoint.size} events is {root.hex()} "
                        f"but the checkpoint signed {checkpoint.root.hex()}: the history it committed to was rewritten")]
    return []


# ---------------------------------------------------------------------------------------------
# §8 proof bundles
# ---------------------------------------------------------------------------------------------

INCLUSION_MEMBERS = {"checkpoint", "event", "format", "kind", "leafIndex", "proof", "treeSize"}
CONSISTENCY_MEMBERS = {"format", "kind", "newCheckpoint", "newSize", "oldCheckpoint", "oldSize", "proof"}


class BundleChecker:
    """Checks one proof bundle exactly as spec §8 says; every problem becomes a finding."""

    def __init__(self, key: VerifierKey) -> None:
        self.key = key
        self.findings: list[Finding] = []
        self.summary: dict = {}

    def check(self, data: bytes) -> Report:
        bundle = self._parse(data)
        if bundle is not None:
            kind = bundle.get("kind")
            self.summary["kind"] = kind
            if bundle.get("format") != BUNDLE_FORMAT:
                self._fail("malformed", f"format must be {BUNDLE_FORMAT}, got {_show(bundle.get('format'))}")
            if kind == "inclusion":
                self._check_inclusion(bundle)
            elif kind == "consistency":
                self._check_consistency(bundle)
            else:
                self._fail("malformed", f"kind must be inclusion or consistency, got {_show(kind)}")
        return Report("bundle", self.findings, self.summary)

    def _fail(self, kind: str, message: str, seq: int | None = None) -> None:
        self.findings.append(Finding(kind, seq, message))

    def _parse(self, data: bytes) -> dict | None:
        """Spec §8: one JSON object in canonical form. A single final line feed is tolerated."""
        try:
            bundle = parse_json(data.decode("utf-8"))
            canonical = canonicalize(bundle)
        except (ValueError, RecursionError) as error:
            self._fail("malformed", f"the bundle is not valid JSON for the ledger: {error}")
            return None
        if not isinstance(bundle, dict):
            self._fail("malformed", "the bundle is not a JSON object")
            return None
        if canonical not in (data, data.removesuffix(b"\n")):
            self._fail("malformed", "the bundle is not in RFC 8785 canonical form")
        return bundle

    def _members(self, bundle: dict, members: set[str]) -> bool:
        if set(bundle) == members:
            return True
        missing, extra = sorted(members - set(bundle)), sorted(set(bundle) - members)
        self._fail("malformed", f"{bundle.get('kind')} bundle: missing members {missing}, unknown members {extra}")
        return False

    def _size(self, bundle: dict, name: str, minimum: int) -> int | None:
        value = bundle[name]
        if type(value) is int and minimum <= value <= MAX_SAFE_INTEGER:
            return value
        self._fail("malformed", f"{name} must be an integer from {minimum} to 2^53 - 1, got {_show(value)}")
        return None

    def _proof(self, bundle: dict) -> list[bytes] | None:
        proof = bundle["proof"]
        if isinstance(proof, list) and all(isinstance(h, str) and _HASH.fullmatch(h) for h in proof):
            return [bytes.fromhex(h) for h in proof]
        self._fail("malformed", "proof must be an array of hashes of 64 lowercase hex digits")
        return None

    def _checkpoint(self, bundle: dict, name: str, size: int | None) -> Checkpoint | None:
        note = bundle[name]
        if not isinstance(note, str):
            self._fail("malformed", f"{name} must be a string (a signed note)")
            return None
        try:
            checkpoint = verify_checkpoint(note, self.key)
        except NoteError as error:
            self._fail("bad-checkpoint", f"{name}: {error}")
            return None
        if size is not None and checkpoint.size != size:
            self._fail("bad-checkpoint", f"{name} commits to size {checkpoint.size}, the bundle says {size}")
            return None
        return checkpoint

    def _event_leaf(self, bundle: dict, leaf_index: int | None) -> bytes | None:
        """Spec §8/§4: the event follows §2, its hash is right, and its seq is leafIndex + 1."""
        event = bundle["event"]
        if not isinstance(event, dict):
            self._fail("malformed", "event must be an object (an export line)")
            return None
        seq = _valid(event, "seq", _count_error)
        self.summary["seq"] = seq
        problems = rule_problems(event, EXPORT_LINE_RULES)
        for problem in problems:
            self._fail("malformed", f"event: {problem}", seq)
        if problems:
            return None
        body = export_line_and_body(event)[1]
        if sha256_hex(body) != event["hash"]:
            self._fail("modified", f"the event hashes to {sha256_hex(body)} but its hash member says {event['hash']}", seq)
            return None
        if leaf_index is not None and leaf_index != seq - 1:
            self._fail("malformed", f"leafIndex {leaf_index} is not seq - 1 = {seq - 1}", seq)
            return None
        return leaf_hash(body)

    def _check_inclusion(self, bundle: dict) -> None:
        if not self._members(bundle, INCLUSION_MEMBERS):
            return
        tree_size, leaf_index = self._size(bundle, "treeSize", 1), self._size(bundle, "leafIndex", 0)
        checkpoint = self._checkpoint(bundle, "checkpoint", tree_size)
        leaf, proof = self._event_leaf(bundle, leaf_index), self._proof(bundle)
        self.summary.update(treeSize=tree_size, leafIndex=leaf_index)
        if None in (checkpoint, leaf, proof, tree_size, leaf_index):
            return
        if not verify_inclusion(leaf, leaf_index, tree_size, proof, checkpoint.root):
            self._fail("bad-proof", f"the inclusion proof does not lead from seq {leaf_index + 1} to the root "
                                    f"of the checkpoint of size {tree_size}", leaf_index + 1)

    def _check_consistency(self, bundle: dict) -> None:
        if not self._members(bundle, CONSISTENCY_MEMBERS):
            return
        old_size, new_size = self._size(bundle, "oldSize", 0), self._size(bundle, "newSize", 0)
        old = self._checkpoint(bundle, "oldCheckpoint", old_size)
        new = self._checkpoint(bundle, "newCheckpoint", new_size)
        proof = self._proof(bundle)
        self.summary.update(oldSize=old_size, newSize=new_size)
        if None in (old, new, proof):
            return
        if not verify_consistency(old.size, new.size, old.root, new.root, proof):
            self._fail("bad-proof", f"the consistency proof does not show the tree of size {old.size} "
                                    f"is a prefix of the tree of size {new.size}")


def verify_bundle(data: bytes, key: VerifierKey) -> Report:
    return BundleChecker(key).check(data)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def load_key(argument: str) -> VerifierKey:
    """--key takes a vkey string or the path of a file holding one (signing-key.vkey)."""
    text = argument
    if not os.path.isfile(argument) and "+" not in argument:
        raise UsageError(f"--key: {argument} is neither a file nor a verifier key (name+keyid+base64)")
    if os.path.isfile(argument):
        try:
            with open(argument, encoding="utf-8") as handle:
                text = handle.read().strip()
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"--key: cannot read {argument}: {error}") from error
    try:
        return parse_vkey(text)
    except NoteError as error:
        raise UsageError(f"--key: {error}") from error


def _read_bytes(path: str, what: str) -> bytes:
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise UsageError(f"{what}: cannot read {path}: {error.strerror or error}") from error


def _checkpoint_or_finding(path: str, key: VerifierKey) -> tuple[Checkpoint | None, list[Finding]]:
    """Read and verify the --checkpoint note; a note that fails is a finding, not a usage error."""
    data = _read_bytes(path, "--checkpoint")
    try:
        return verify_checkpoint(data.decode("utf-8"), key), []
    except UnicodeDecodeError:
        return None, [Finding("bad-checkpoint", None, f"{path} is not UTF-8")]
    except NoteError as error:
        return None, [Finding("bad-checkpoint", None, f"{path}: {error}")]


def run_export(args: argparse.Namespace) -> Report:
    if (args.checkpoint is None) != (args.key is None):
        raise UsageError("--checkpoint and --key go together")
    checkpoint, findings = None, []
    if args.checkpoint:
        checkpoint, findings = _checkpoint_or_finding(args.checkpoint, load_key(args.key))
    try:
        if args.export == "-":
            report = verify_export(sys.stdin.buffer, checkpoint)
        else:
            with open(args.export, "rb") as handle:
                report = verify_export(handle, checkpoint)
    except OSError as error:
        raise UsageError(f"cannot read {args.export}: {error.strerror or error}") from error
    report.findings[:0] = findings
    return report


def run_bundle(args: argparse.Namespace) -> Report:
    key = load_key(args.key)
    return verify_bundle(_read_bytes(args.bundle, "bundle"), key)


def _print_text(report: Report) -> None:
    for finding in report.findings:
        print(finding.to_text())
    s = report.summary
    if report.command == "export":
        what = f"{s['events']} events"
        if "checkpoint" in s:
            what += f", checkpoint {s['checkpoint']['origin']} size {s['checkpoint']['size']}"
    elif s.get("kind") == "inclusion":
        what = f"inclusion of seq {s.get('seq')} in the tree of size {s.get('treeSize')}"
    elif s.get("kind") == "consistency":
        what = f"consistency of tree size {s.get('oldSize')} with tree size {s.get('newSize')}"
    else:
        what = "proof bundle"
    if report.verified:
        print(f"VERIFIED: {what}")
    else:
        print(f"FAILED: {len(report.findings)} finding(s); {what}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verify_ledger.py",
        description="Independently verify an ODA Ledger export or proof bundle (format oda-ledger/1, "
                    "Schemas/ledger-format.md), trusting nothing on the server.",
        epilog="Exit status: 0 verified, 1 integrity failure found, 2 usage or I/O error. "
               "Finding kinds: modified, missing, reordered, inserted, broken-link, stream-discontinuity, "
               "recorded-at-decreased, malformed, cut-tail, history-rewritten, bad-checkpoint, bad-proof.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    export = commands.add_parser(
        "export", help="verify an export (JSON Lines from `oda-ledger export`)",
        description="Check every line of an export: canonical form, envelope rules (§2), hash (§4), "
                    "seq continuity from 1, prev links (§3), streamVersion per stream, recordedAt order. "
                    "With --checkpoint, also the Merkle root of its first events (§6, §7).",
    )
    export.add_argument("export", metavar="EXPORT.jsonl", help="the export file, or - for standard input")
    export.add_argument("--checkpoint", metavar="NOTE", help="a signed checkpoint (C2SP signed note) kept outside the ledger")
    export.add_argument("--key", metavar="VKEY_OR_FILE", help="the ledger's verifier key: name+keyid+base64, or a file holding it")
    export.add_argument("--json", action="store_true", help="print a JSON report")
    bundle = commands.add_parser(
        "bundle", help="verify an inclusion or consistency proof bundle (§8)",
        description="Check an oda-ledger-proof/1 bundle offline with nothing but the ledger's verifier key.",
    )
    bundle.add_argument("bundle", metavar="BUNDLE.json", help="the proof bundle, or - for standard input")
    bundle.add_argument("--key", metavar="VKEY_OR_FILE", required=True,
                        help="the ledger's verifier key: name+keyid+base64, or a file holding it")
    bundle.add_argument("--json", action="store_true", help="print a JSON report")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        report = run_export(args) if args.command == "export" else run_bundle(args)
    except UsageError as error:
        print(f"verify_ledger.py: error: {error}", file=sys.stderr)
        if args.json:
            print(json.dumps({"command": args.command, "verified": False, "error": str(error)}))
        return EXIT_USAGE
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        _print_text(report)
    return EXIT_VERIFIED if report.verified else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

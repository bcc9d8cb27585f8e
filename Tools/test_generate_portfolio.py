"""Tests for generate_portfolio.py, the synthetic Lao ODA portfolio with labelled anomalies.

Run from the repository root: python3 -m unittest discover -s Tools -p 'test_*.py'

The Swift side (`oda-bench --detection`, `oda-ledger demo` and LedgerCLITests) records the output
through the ledger's own validator and rules; these tests pin what the generator promises on its
own: determinism, schema-valid payloads, a time line that never goes backwards, labels for every
subject rule, and background activity that keeps clear of what each rule looks for.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import unittest
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
sys.path.insert(0, str(TOOLS))

import generate_portfolio as gp  # noqa: E402

SCHEMAS = ROOT / "Schemas" / "events"
BUNDLED = ROOT / "Tests" / "Fixtures" / "synthetic"
TRANSACTIONS = {"CommitmentRecorded", "DisbursementRecorded", "ExpenditureRecorded", "CounterpartContributionRecorded"}


def generate(seed: int, projects: int, out: str) -> tuple[list[dict], dict]:
    subprocess.run([sys.executable, str(TOOLS / "generate_portfolio.py"), "--seed", str(seed), "--projects", str(projects),
                    "--out", out], check=True, capture_output=True)
    lines = [json.loads(line) for line in Path(out, "portfolio.jsonl").read_text(encoding="utf-8").splitlines()]
    labels = json.loads(Path(out, "labels.json").read_text(encoding="utf-8"))
    return lines, labels


def subject_rules() -> set[str]:
    """The per-project rule ids of Schemas/rules.md's main table."""
    text = (ROOT / "Schemas" / "rules.md").read_text(encoding="utf-8")
    table = re.split(r"^## Population", text, flags=re.M)[0]
    return set(re.findall(r"^\| `([a-z-]+)` \| [0-9]+ \|", table, flags=re.M))


class SchemaCheck:
    """The subset of JSON Schema 2020-12 the event schemas use, enough to refuse what the ledger refuses."""

    def __init__(self, schema: dict):
        self.root = schema

    def errors(self, value, schema=None, path="") -> list[str]:
        schema = self.root if schema is None else schema
        if "$ref" in schema:
            name = schema["$ref"].split("/")[-1]
            return self.errors(value, self.root["$defs"][name], path)
        found = []
        kind = schema.get("type")
        checks = {"object": dict, "string": str, "array": list, "boolean": bool}
        if kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
            return [f"{path}: not an integer"]
        if kind in checks and not isinstance(value, checks[kind]):
            return [f"{path}: not a {kind}"]
        if "const" in schema and value != schema["const"]:
            found.append(f"{path}: must be {schema['const']}")
        if "enum" in schema and value not in schema["enum"]:
            found.append(f"{path}: {value!r} not in enum")
        if isinstance(value, str):
            if "pattern" in schema and not re.search(schema["pattern"], value):
                found.append(f"{path}: {value!r} does not match {schema['pattern']}")
            if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 10 ** 9):
                found.append(f"{path}: length out of range")
            if schema.get("format") == "date":
                try:
                    date.fromisoformat(value)
                except ValueError:
                    found.append(f"{path}: {value!r} is not a calendar date")
        if isinstance(value, int) and not isinstance(value, bool):
            if value < schema.get("minimum", -10 ** 18) or value > schema.get("maximum", 10 ** 18):
                found.append(f"{path}: {value} out of range")
        if isinstance(value, dict):
            for member in schema.get("required", []):
                if member not in value:
                    found.append(f"{path}/{member}: missing")
            properties = schema.get("properties", {})
            for member, item in value.items():
                if member in properties:
                    found += self.errors(item, properties[member], f"{path}/{member}")
                elif schema.get("additionalProperties") is False:
                    found.append(f"{path}/{member}: not allowed")
        if isinstance(value, list):
            if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", 10 ** 9):
                found.append(f"{path}: item count out of range")
            for n, item in enumerate(value):
                found += self.errors(item, schema.get("items", {}), f"{path}/{n}")
        return found


class GeneratedPortfolioTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.lines, cls.labels = generate(5, 16, cls.tmp.name + "/a")
        cls.keys = {line["idempotencyKey"]: line for line in cls.lines}
        cls.labelled = {key for label in cls.labels["anomalies"] for key in label["idempotencyKeys"]}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(self):
        generate(5, 16, self.tmp.name + "/b")
        generate(6, 16, self.tmp.name + "/c")
        first = Path(self.tmp.name, "a", "portfolio.jsonl").read_bytes()
        self.assertEqual(first, Path(self.tmp.name, "b", "portfolio.jsonl").read_bytes())
        self.assertEqual(Path(self.tmp.name, "a", "labels.json").read_bytes(), Path(self.tmp.name, "b", "labels.json").read_bytes())
        self.assertNotEqual(first, Path(self.tmp.name, "c", "portfolio.jsonl").read_bytes())

    def test_every_payload_is_valid_against_its_event_schema(self):
        schemas = {p.name.split(".")[0]: SchemaCheck(json.loads(p.read_text())) for p in SCHEMAS.glob("*.schema.json")}
        for line in self.lines:
            self.assertIn(line["type"], schemas, line["type"])
            payload = dict(line["payload"])
            self.assertEqual(schemas[line["type"]].errors(payload), [], json.dumps(line)[:300])
            kind = schemas[line["type"]].root["x-stream"]
            self.assertTrue(line["stream"].startswith(kind + ":"), line["stream"])

    def test_lines_carry_actor_and_time_and_time_never_goes_backwards(self):
        times = [line["recordedAt"] for line in self.lines]
        self.assertEqual(times, sorted(times))
        for line in self.lines:
            self.assertRegex(line["actor"], r"^[a-z]+:[a-z.-]+$")
            self.assertRegex(line["recordedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
            self.assertEqual(set(line) - {"stream", "type", "payload", "idempotencyKey", "actor", "recordedAt", "reversesKey"}, set())
        self.assertEqual(len(self.keys), len(self.lines), "idempotency keys are unique")

    def test_reversals_name_an_expenditure_recorded_earlier_in_the_same_project(self):
        position = {line["idempotencyKey"]: n for n, line in enumerate(self.lines)}
        reversals = [line for line in self.lines if line["type"] == "TransactionReversed"]
        self.assertTrue(reversals)
        for line in reversals:
            target = self.keys[line["reversesKey"]]
            self.assertEqual(target["stream"], line["stream"])
            self.assertEqual(target["type"], "ExpenditureRecorded")
            self.assertLess(position[line["reversesKey"]], position[line["idempotencyKey"]])

    def test_every_subject_rule_has_labels_whose_events_exist(self):
        rules = subject_rules()
        self.assertEqual(len(rules), 16)
        counts = {}
        for label in self.labels["anomalies"]:
            self.assertEqual(gp.KINDS[label["kind"]], label["rule"])
            self.assertEqual(label["expect"][0]["rule"], label["rule"])
            for expectation in label["expect"]:
                self.assertEqual(expectation["subject"]["project"], label["project"])
                counts[expectation["rule"]] = counts.get(expectation["rule"], 0) + 1
            for key in label["idempotencyKeys"]:
                self.assertIn(key, self.keys)
                self.assertEqual(self.keys[key]["stream"], "project:" + label["project"])
        self.assertEqual(set(counts), rules)
        self.assertTrue(all(count >= 2 for count in counts.values()), counts)

    def test_background_transactions_are_recorded_in_vientiane_working_hours_within_days_of_their_date(self):
        off_hours = {k for l in self.labels["anomalies"] if l["kind"] == "off-hours" for k in l["idempotencyKeys"]}
        late = {k for l in self.labels["anomalies"] if l["kind"] == "back-dated" for k in l["idempotencyKeys"]}
        for line in self.lines:
            if line["type"] not in TRANSACTIONS:
                continue
            at = datetime.strptime(line["recordedAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
            local = at.astimezone(timezone(timedelta(hours=7)))
            working = gp.is_working_day(local.date()) and 7 <= local.hour < 18
            self.assertEqual(working, line["idempotencyKey"] not in off_hours, line["idempotencyKey"])
            if "date" in line["payload"]:
                lag = (at.date() - date.fromisoformat(line["payload"]["date"])).days
                self.assertEqual(lag > 90, line["idempotencyKey"] in late, (line["idempotencyKey"], lag))
                self.assertGreaterEqual(lag, 0)

    def test_only_the_round_amount_anomalies_pay_round_figures(self):
        rounds = {k for l in self.labels["anomalies"] if l["kind"] == "round-amount" for k in l["idempotencyKeys"]}
        for line in self.lines:
            if line["type"] in ("ExpenditureRecorded", "DisbursementRecorded"):
                self.assertEqual(gp.is_round(line["payload"]["amount"]["amount"]), line["idempotencyKey"] in rounds,
                                 line["payload"]["amount"])

    def test_background_payments_to_one_payee_are_at_least_35_days_apart(self):
        dense = {"exact-duplicate", "near-duplicate", "splitting", "near-miss-near-duplicate", "near-miss-splitting"}
        exempt = {k for l in self.labels["anomalies"] + self.labels["decoys"] if l["kind"] in dense for k in l["idempotencyKeys"]}
        payments = {}
        for line in self.lines:
            if line["type"] == "ExpenditureRecorded" and line["idempotencyKey"] not in exempt:
                payments.setdefault((line["stream"], line["payload"]["payee"]), []).append(date.fromisoformat(line["payload"]["date"]))
        for key, days in payments.items():
            days.sort()
            for a, b in zip(days, days[1:]):
                self.assertGreaterEqual((b - a).days, 35, key)

    def test_near_misses_stay_just_inside_their_rule(self):
        decoys = {d["kind"]: d for d in self.labels["decoys"]}
        self.assertGreaterEqual(len(decoys), 8, sorted(decoys))
        for item in self.labels["decoys"]:
            self.assertEqual(gp.DECOYS[item["kind"]][0], item["rule"])
            lines = [self.keys[k] for k in item["idempotencyKeys"]]
            self.assertTrue(all(line["stream"] == "project:" + item["project"] for line in lines))
            if item["kind"] == "near-miss-back-dated":
                at = datetime.strptime(lines[0]["recordedAt"], "%Y-%m-%dT%H:%M:%S.%fZ").date()
                self.assertTrue(45 <= (at - date.fromisoformat(lines[0]["payload"]["date"])).days <= 90)
            if item["kind"] == "near-miss-near-duplicate":
                a, b = (float(line["payload"]["amount"]["amount"]) for line in lines)
                self.assertGreater(abs(a - b) / max(a, b), 0.01)
                self.assertEqual(lines[0]["payload"]["payee"], lines[1]["payload"]["payee"])

    def test_is_round_follows_the_rule(self):
        self.assertTrue(gp.is_round("50000"))
        self.assertTrue(gp.is_round("300000000.00"))
        self.assertFalse(gp.is_round("5000"))
        self.assertFalse(gp.is_round("51000"))
        self.assertFalse(gp.is_round("50000.01"))

    def test_holidays_include_the_lunar_festivals_and_substitute_days(self):
        self.assertIn(date(2024, 11, 15), gp.holidays(2024))  # Boun That Luang
        self.assertIn(date(2023, 10, 29), gp.holidays(2023))  # Boun Ok Phansa
        # 1 January 2022 was a Saturday: Monday 3 January is the substitute day.
        self.assertIn(date(2022, 1, 3), gp.holidays(2022))
        self.assertFalse(gp.is_working_day(date(2022, 1, 3)))
        self.assertTrue(gp.is_working_day(date(2022, 1, 4)))

    def test_percentages_sum_to_exactly_100(self):
        from decimal import Decimal
        for n in range(1, 7):
            shares = gp.split_percentages("province", [f"LA-{i}" for i in range(n)])
            self.assertEqual(sum(Decimal(s["percentage"]) for s in shares), Decimal(100))


class BundledPortfolioTests(unittest.TestCase):
    def test_the_bundled_portfolio_is_what_its_readme_command_makes(self):
        labels = json.loads((BUNDLED / "labels.json").read_text(encoding="utf-8"))
        readme = (BUNDLED / "README.md").read_text(encoding="utf-8")
        self.assertIn(f"--seed {labels['seed']} --projects {labels['projects']}", readme)
        with tempfile.TemporaryDirectory() as out:
            generate(labels["seed"], labels["projects"], out)
            self.assertEqual((BUNDLED / "portfolio.jsonl").read_bytes(), Path(out, "portfolio.jsonl").read_bytes())
            self.assertEqual((BUNDLED / "labels.json").read_bytes(), Path(out, "labels.json").read_bytes())


if __name__ == "__main__":
    unittest.main()

"""Tests for generate_portfolio.py, the synthetic Lao ODA portfolio with labelled anomalies.

Run from the repository root: python3 -m unittest discover -s Tools -p 'test_*.py'

The Swift side (`oda-bench --detection`, `oda-ledger demo` and LedgerCLITests) records the output
through the ledger's own validator and rules; these tests pin what the generator promises on its
own: determinism, schema-valid payloads, a time line that never goes backwards, labels for every
subject rule, and background activity that keeps clear of what each rule looks for.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tempfile
import unittest
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
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
        self.assertLess(16, gp.POPULATION_MINIMUM)
        for label in self.labels["anomalies"]:
            if label.get("scope") == "population":
                # Side effects only (a catch-up withdrawal far above the year's budget), below the minimum.
                self.assertEqual(label["kind"], "execution-spike")
                self.assertEqual([e["subject"]["project"] for e in label["expect"]], [""])
                continue
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
        kinds = {label["kind"] for label in self.labels["anomalies"]}
        self.assertIn("revision-after-period-end", kinds)
        self.assertIn("revision-after-lock", kinds)

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
        self.assertIn(gp.MID_YEAR_DECOY[0], decoys)
        for item in self.labels["decoys"]:
            self.assertEqual(dict(gp.DECOYS, **{gp.MID_YEAR_DECOY[0]: gp.MID_YEAR_DECOY[1:]})[item["kind"]][0], item["rule"])
            lines = [self.keys[k] for k in item["idempotencyKeys"]]
            self.assertTrue(all(line["stream"] == "project:" + item["project"] for line in lines))
            if item["kind"] == "near-miss-back-dated":
                at = datetime.strptime(lines[0]["recordedAt"], "%Y-%m-%dT%H:%M:%S.%fZ").date()
                self.assertTrue(45 <= (at - date.fromisoformat(lines[0]["payload"]["date"])).days <= 90)
            if item["kind"] in ("near-miss-late-revision", gp.MID_YEAR_DECOY[0]):
                payload = lines[0]["payload"]
                change = abs(float(payload["newAmount"]["amount"]) / float(payload["previousAmount"]["amount"]) - 1)
                self.assertLess(change, 0.16)
                end = date(int(payload["periodStart"][:4]), 12, 31)
                at = datetime.strptime(lines[0]["recordedAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
                after_end = at.astimezone(timezone(timedelta(hours=7))).date() > end
                # A late correction stays under the 10 % materiality; a mid-year review is inside its period.
                self.assertEqual(after_end, item["kind"] == "near-miss-late-revision", item)
                if after_end:
                    self.assertLess(change, 0.10)
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


def first_digits(amount: str, width: int) -> int:
    digits = amount.replace("-", "").replace(".", "").lstrip("0")
    return int(digits[:width])


def mad(amounts: list[str], width: int) -> float:
    span = range(1, 10) if width == 1 else range(10, 100)
    counts: dict[int, int] = {}
    for a in amounts:
        counts[first_digits(a, width)] = counts.get(first_digits(a, width), 0) + 1
    return sum(abs(counts.get(d, 0) / len(amounts) - math.log10(1 + 1 / d)) for d in span) / len(span)


class PopulationAnomalyTests(unittest.TestCase):
    """A portfolio large enough for the population anomalies: what the generator promises about them,
    checked on its output with this file's own arithmetic (the rules themselves are Swift's)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.lines, cls.labels = generate(11, 120, cls.tmp.name)
        cls.keys = {line["idempotencyKey"]: line for line in cls.lines}
        cls.agency = {l["stream"]: l["payload"]["implementingAgency"] for l in cls.lines if l["type"] == "ProjectProposed"}
        reversed_keys = {l["reversesKey"] for l in cls.lines if "reversesKey" in l}
        cls.payments = [l for l in cls.lines if l["type"] in ("DisbursementRecorded", "ExpenditureRecorded")
                        and l["idempotencyKey"] not in reversed_keys]
        rates = {"USD": Decimal(1)}
        for l in cls.lines:
            if l["type"] == "ExchangeRateRecorded":
                rates[l["payload"]["quoteCurrency"]] = Decimal(l["payload"]["rate"])
        cls.rates = rates

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def usd(self, amount: dict) -> Decimal:
        return Decimal(amount["amount"]) / self.rates[amount["currency"]]

    def population(self, kind: str) -> list[dict]:
        return [l for l in self.labels["anomalies"] + self.labels["decoys"] if l["kind"] == kind]

    def test_every_population_rule_has_labels_and_near_misses(self):
        expected = {r for l in self.labels["anomalies"] if l.get("scope") == "population" for e in l["expect"] for r in [e["rule"]]}
        self.assertEqual(expected, set(self.labels["populationRules"]))
        self.assertGreaterEqual(len(self.population("execution-spike")), 10)
        decoy_rules = {d["rule"] for d in self.labels["decoys"] if d.get("scope") == "population"}
        self.assertEqual(decoy_rules, set(self.labels["populationRules"]))

    def test_honest_agencies_follow_benford_and_bunching_agencies_do_not(self):
        by_agency: dict[str, list[str]] = {}
        for l in self.payments:
            if Decimal(l["payload"]["amount"]["amount"]) >= 10:
                by_agency.setdefault(self.agency[l["stream"]], []).append(l["payload"]["amount"]["amount"])
        flagged = {e["subject"]["name"]: e["rule"] for l in self.population("threshold-bunching") + self.population("prior-review-bunching")
                   for e in l["expect"]}
        self.assertEqual(len(set(flagged)), 2)
        for agency, amounts in by_agency.items():
            first, two = mad(amounts, 1), mad(amounts, 2)
            if agency in flagged:
                self.assertGreater(first, 0.02, agency)
                self.assertGreater(two, 0.0026, agency)
                self.assertGreaterEqual(len(amounts), 3000, agency)
            else:
                self.assertLess(first, 0.010, agency)
                if len(amounts) >= 3000:
                    self.assertLess(two, 0.0019, agency)

    def test_the_captured_payee_holds_a_third_of_its_agency_and_under_half_of_each_project(self):
        (label,) = self.population("captured-payee")
        payee = label["expect"][0]["subject"]["name"]
        per_project: dict[str, dict[str, Decimal]] = {}
        for l in self.payments:
            if l["type"] == "ExpenditureRecorded":
                shares = per_project.setdefault(l["stream"], {})
                shares[l["payload"]["payee"]] = shares.get(l["payload"]["payee"], Decimal(0)) + self.usd(l["payload"]["amount"])
        agencies = {self.agency[s] for s, p in per_project.items() if payee in p}
        self.assertEqual(len(agencies), 1)
        agency = agencies.pop()
        total = sum(sum(p.values()) for s, p in per_project.items() if self.agency[s] == agency)
        taken = sum(p.get(payee, Decimal(0)) for s, p in per_project.items() if self.agency[s] == agency)
        self.assertGreater(taken / total, Decimal("0.32"))
        for stream, p in per_project.items():
            if payee in p:
                self.assertLess(p[payee] / sum(p.values()), Decimal("0.47"), stream)
        (shared,) = self.population("near-miss-shared-payee")
        shared_payee = self.keys[shared["idempotencyKeys"][0]]["payload"]["payee"]
        for stream, p in per_project.items():
            if shared_payee in p:
                self.assertLess(p[shared_payee] / sum(p.values()), Decimal("0.25"), stream)

    def test_execution_spikes_are_far_above_the_background_rates(self):
        planned: dict[tuple[str, int], Decimal] = {}
        for l in self.lines:
            if l["type"] in ("AnnualBudgetPlanned", "AnnualBudgetRevised"):
                year = int(l["payload"]["periodStart"][:4])
                key = (l["stream"], l["payload"]["budgetLineId"], year)
                planned[key] = Decimal((l["payload"].get("amount") or l["payload"]["newAmount"])["amount"])
        plan_by_year: dict[tuple[str, int], Decimal] = {}
        for (stream, _, year), value in planned.items():
            plan_by_year[(stream, year)] = plan_by_year.get((stream, year), Decimal(0)) + value
        paid: dict[tuple[str, int], Decimal] = {}
        for l in self.payments:
            if l["type"] == "DisbursementRecorded":
                key = (l["stream"], int(l["payload"]["date"][:4]))
                paid[key] = paid.get(key, Decimal(0)) + Decimal(l["payload"]["amount"]["amount"])
        spikes = {(self.keys[l["idempotencyKeys"][0]]["stream"], int(self.keys[l["idempotencyKeys"][0]]["payload"]["date"][:4]))
                  for l in self.population("execution-spike")}
        near = {(self.keys[d["idempotencyKeys"][0]]["stream"], int(self.keys[d["idempotencyKeys"][0]]["payload"]["date"][:4]))
                for d in self.population("near-miss-execution")}
        # Projects whose extra withdrawal breaks the commitment (or nearly) spike in their last year too.
        catch_up = {self.keys[l["idempotencyKeys"][0]]["stream"] for l in self.labels["anomalies"] + self.labels["decoys"]
                    if l["kind"] in ("disbursement-above-commitment", "near-miss-disbursement")}
        for key, value in plan_by_year.items():
            if key[1] >= 2026 or key not in paid or (key[0] in catch_up and key not in spikes):
                continue
            rate = paid[key] / value
            if key in spikes:
                self.assertGreater(rate, Decimal("1.5"), key)
            elif key in near:
                # 88-91 % when disbursed; a revision recorded later in the year's scenario can lower it.
                self.assertTrue(Decimal("0.75") < rate < Decimal("0.95"), (key, rate))
            else:
                self.assertLess(rate, Decimal("0.85"), (key, rate))


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

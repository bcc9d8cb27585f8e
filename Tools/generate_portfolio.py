#!/usr/bin/env python3
"""Generate a realistic synthetic Lao ODA portfolio with labelled, injected anomalies.

Writes, into OUT (a directory):

  portfolio.jsonl  one event per line, in the order and at the times they are to be recorded:
                   {"stream", "type", "payload", "idempotencyKey", "actor", "recordedAt"}
                   plus, on a TransactionReversed line, "reversesKey": the idempotency key of the
                   event it reverses (its seq is only known once recorded: the loader fills
                   payload.reversedSeq). "actor" is who records the event and "recordedAt" the
                   simulated clock reading (RFC 3339, UTC, never decreasing), so a loader appends
                   each line with that actor through the validated path with an injected clock.
                   Without "actor"/"recordedAt"/"reversesKey" a line is the form `oda-ledger append` reads.
  labels.json      the anomalies injected: for each, its kind, the rule that must catch it, the flag
                   subjects expected (rule id, subject kind/name/project) and the idempotency keys of
                   the events that make it (a flag's evidence must include one of their seqs).

From POPULATION_MINIMUM (40) projects on, it also injects the population rules' anomalies, labelled
with "scope": "population" and portfolio-wide subjects (project ""): project-years disbursing far above
their budget (peer-execution-rate), a payee captured across one implementing agency's projects
(portfolio-payee-concentration), and two agencies paying one in six payments just under a threshold (kip
purchases under 5,000,000 kip; dollar contracts under US$ 10,000) for the Benford tests, each with near
misses. Honest payments are split with log-uniform weights over a decade, so their leading digits follow
Benford's law; disbursements execute 63-79 % of a year's budget, so peers spread as real ones do.

Every payload is valid against the ODA catalogue (Schemas/events). Background activity is built so
that no per-project rule (Schemas/rules.md) fires on it: payments to one payee at least 35 days apart,
amounts never a single digit followed by zeros, December kept below a fifth of a year's spending,
payees kept balanced, spending under the annual budget, disbursements under the commitment, entries
recorded within days of their date during Vientiane working hours. Each anomaly breaks exactly one of
these on purpose; where it must also trip a second rule (three revisions of a line are also revisions
after approval), the label lists that expectation too.

Deterministic: the same --seed and --projects give byte-identical files. Standard library only.

    python3 Tools/generate_portfolio.py --seed 7 --projects 24 --out Tests/Fixtures/synthetic
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

VIENTIANE = timezone(timedelta(hours=7))
TIMELINE_START = date(2020, 7, 1)
TIMELINE_END = date(2026, 9, 30)

# Development partners: IATI organisation identifiers (XM-DAC-{DAC code} for multilaterals and for
# bilateral donors' DAC codes), IATI organisation type, and the currency they account in.
PARTNERS = [
    ("XM-DAC-46004", "Asian Development Bank", "40", "USD"),
    ("XM-DAC-44000", "World Bank (IDA)", "40", "USD"),
    ("XM-DAC-41114", "United Nations Development Programme", "40", "USD"),
    ("XM-DAC-41122", "United Nations Children's Fund", "40", "USD"),
    ("XM-DAC-701", "Japan (JICA)", "10", "JPY"),
    ("XM-DAC-918", "European Union institutions", "40", "EUR"),
    ("XM-DAC-5", "Germany (BMZ / GIZ, KfW)", "10", "EUR"),
    ("XM-DAC-801", "Australia (DFAT)", "10", "USD"),
    ("XM-DAC-742", "Korea (KOICA)", "10", "USD"),
    ("XM-DAC-730", "China", "10", "USD"),
]

# Implementing agencies (ministries), with an organisation type of 10 (government).
AGENCIES = [
    ("LA-MOH", "Ministry of Health"), ("LA-MOES", "Ministry of Education and Sports"),
    ("LA-MPWT", "Ministry of Public Works and Transport"), ("LA-MAF", "Ministry of Agriculture and Forestry"),
    ("LA-MONRE", "Ministry of Natural Resources and Environment"), ("LA-MOF", "Ministry of Finance"),
    ("LA-MOIC", "Ministry of Industry and Commerce"), ("LA-NRA", "National Regulatory Authority for UXO/Mine Action"),
    ("LA-MPI", "Ministry of Planning and Investment"),
]

# Sector working group -> (implementing agency, DAC 5-digit purpose codes, title stems, budget lines).
SECTORS = {
    "health": ("LA-MOH", ["12220", "12261", "12240"], ["Maternal and child health services", "District hospital strengthening",
               "Primary health care in remote villages"], ["Medical equipment", "Health worker training"]),
    "education": ("LA-MOES", ["11220", "11110", "11320"], ["Basic education quality", "Teacher development",
                  "Secondary school construction"], ["School construction", "Teaching materials"]),
    "infrastructure": ("LA-MPWT", ["21020", "14030", "23210"], ["Rural roads connectivity", "Small towns water supply",
                       "Provincial road maintenance"], ["Civil works", "Supervision consultants"]),
    "agriculture-rural-development": ("LA-MAF", ["31120", "43040", "31320"], ["Smallholder agriculture value chains",
                                      "Irrigation rehabilitation", "Rural livelihoods"], ["Irrigation works", "Extension services"]),
    "natural-resources-environment": ("LA-MONRE", ["41010", "41030", "31220"], ["Climate resilient watersheds",
                                      "Forest landscape management"], ["Field surveys", "Community forestry grants"]),
    "governance": ("LA-MPI", ["15110", "15111", "15114"], ["Public financial management reform",
                   "Provincial planning capacity"], ["Technical assistance", "Training and workshops"]),
    "macroeconomics": ("LA-MOF", ["15111", "15114", "24010"], ["Revenue administration modernisation",
                       "Debt management capacity"], ["IT systems", "Technical assistance"]),
    "trade-private-sector": ("LA-MOIC", ["33110", "25010", "33120"], ["Trade facilitation", "SME competitiveness"],
                             ["Business services", "Border facilities"]),
    "mine-action-uxo": ("LA-NRA", ["15250"], ["UXO clearance for agricultural land", "Survey and clearance of cluster munitions"],
                        ["Clearance teams", "Equipment"]),
}

PROVINCES = {
    "LA-AT": "Attapeu", "LA-BK": "Bokeo", "LA-BL": "Bolikhamxai", "LA-CH": "Champasak", "LA-HO": "Houaphan",
    "LA-KH": "Khammouan", "LA-LM": "Luang Namtha", "LA-LP": "Luang Prabang", "LA-OU": "Oudomxai",
    "LA-PH": "Phongsaly", "LA-SL": "Salavan", "LA-SV": "Savannakhet", "LA-VI": "Vientiane Province",
    "LA-VT": "Vientiane Capital", "LA-XA": "Xaignabouli", "LA-XE": "Xekong", "LA-XI": "Xiangkhouang", "LA-XS": "Xaisomboun",
}

RECORDERS = ["user:somphone", "user:khamla", "user:bounmy", "user:vilayvanh", "user:phonesavanh", "user:keo",
             "user:sengdao", "user:outhai", "user:manivone", "user:souksavanh"]
APPROVERS = ["user:thongsavanh", "user:bounthanh", "user:chanthaly"]
DIRECTORS = ["user:phetsamone", "user:vanxay", "user:sisouk", "user:kongkeo", "user:latsamy"]

PAYEE_STEMS = ["Construction Co., Ltd.", "Engineering Sole Co.", "Trading Import-Export", "Consulting Group",
               "Medical Supplies", "Printing State Enterprise", "Transport Service", "Computer Solutions",
               "Road and Bridge Co.", "Agri-Inputs Supply", "Hotel and Conference", "Survey and Design"]
PAYEE_NAMES = ["Phoudoy", "Saysana", "Vientiane Nakhon", "Mekong", "Champa", "Xaysettha", "Phonxay", "Lane Xang",
               "Sisavath", "Oudomsouk", "Nam Ngum", "Dok Champa", "Thakhek", "Pakse", "Keomany", "Sokxay",
               "Vilaysouk", "Siengkham", "Bolaven", "Phousi"]

# Fixed-date Lao public holidays (Schemas/rules.md); with the lunar ones and substitute days below,
# no background entry is recorded on them.
HOLIDAYS = {(1, 1), (3, 8), (4, 14), (4, 15), (4, 16), (5, 1), (12, 2)}

# Anchors of the USD rates (units of quote currency per USD), interpolated month by month.
RATE_ANCHORS = {
    "LAK": [(date(2020, 7, 1), 9050), (date(2021, 1, 1), 9300), (date(2022, 1, 1), 11300), (date(2022, 7, 1), 15000), (date(2023, 1, 1), 17300),
            (date(2023, 10, 1), 20000), (date(2024, 6, 1), 21700), (date(2025, 6, 1), 21600), (date(2026, 9, 30), 21800)],
    "EUR": [(date(2020, 7, 1), Decimal("0.89")), (date(2021, 1, 1), Decimal("0.82")), (date(2022, 9, 1), Decimal("1.00")), (date(2023, 7, 1), Decimal("0.91")),
            (date(2024, 10, 1), Decimal("0.92")), (date(2025, 6, 1), Decimal("0.87")), (date(2026, 9, 30), Decimal("0.86"))],
    "JPY": [(date(2020, 7, 1), 107), (date(2021, 1, 1), 104), (date(2022, 10, 1), 147), (date(2023, 6, 1), 140), (date(2024, 6, 1), 158),
            (date(2025, 4, 1), 143), (date(2026, 9, 30), 147)],
}

# Near misses: background that comes close to a rule's threshold without crossing it, so a rule that
# fires on them is measured as imprecise. Decoy kind -> (the rule it must not trip, the anomaly kind it mimics).
DECOYS = {
    "near-miss-disbursement": ("disbursement-above-commitment", "disbursement-above-commitment"),
    "near-miss-back-dated": ("back-dated-entries", "back-dated"),
    "near-miss-off-hours": ("off-hours-postings", "off-hours"),
    "near-miss-round": ("round-amounts", "round-amount"),
    "near-miss-counterpart": ("counterpart-shortfall", "counterpart-shortfall"),
    "near-miss-splitting": ("splitting-below-procurement-threshold", "splitting"),
    "near-miss-near-duplicate": ("near-duplicate-payments", "near-duplicate"),
    "near-miss-exact-duplicate": ("exact-duplicate-payments", "exact-duplicate"),
    "near-miss-window": ("outside-project-window", "outside-project-window"),
    "near-miss-budget": ("spending-above-annual-budget", "spending-above-annual-budget"),
    "near-miss-late-revision": ("budget-revision-after-approval-or-lock", "revision-after-period-end"),
}
# Mid-year reviews of approved projects are ordinary: a share of them is listed as near misses of the
# budget-revision rule (version 2 leaves revisions during the period alone).
MID_YEAR_DECOY = ("near-miss-mid-year-review", "budget-revision-after-approval-or-lock")

# Population anomalies (Schemas/rules.md, population rules): injected only in portfolios of at least
# POPULATION_MINIMUM projects, where agencies and sector groups are large enough to be judged.
POPULATION_KINDS = {
    "execution-spike": "peer-execution-rate",
    "captured-payee": "portfolio-payee-concentration",
    "threshold-bunching": ("benford-first-digit", "benford-first-two-digits"),
    "prior-review-bunching": ("benford-first-digit", "benford-first-two-digits"),
}
POPULATION_DECOYS = {
    "near-miss-execution": "peer-execution-rate",
    "near-miss-shared-payee": "portfolio-payee-concentration",
    "near-miss-bunching": "benford-first-digit",
}
POPULATION_MINIMUM = 40
# The Benford rules' minimum samples (payments of at least 10 in their own currency per agency).
BENFORD_MINIMUM = {"benford-first-digit": 1000, "benford-first-two-digits": 3000}
# Peers a project-year needs in its sector group (or partner) before peer-execution-rate judges it: 5 others.
PEER_MINIMUM = 6
DECOY_EXCLUDES = {"near-miss-budget": {"spending-above-annual-budget", "year-end-spike", "outside-project-window"}}

# Kinds never put in one project: a spike or overspend paid to other payees would dilute a dominant one.
# A spike and an overspend in one project could share its only complete year and hide each other.
INCOMPATIBLE = {"payee-concentration": {"year-end-spike", "spending-above-annual-budget"},
                "year-end-spike": {"payee-concentration", "spending-above-annual-budget"},
                "spending-above-annual-budget": {"payee-concentration", "year-end-spike"}}

SPLIT_THRESHOLD_KIP = 500_000_000
SMALL_THRESHOLD_KIP = 5_000_000

# Anomaly kinds -> the rule (Schemas/rules.md) that must catch each.
KINDS = {
    "revision-after-lock": "budget-revision-after-approval-or-lock",
    "revision-after-period-end": "budget-revision-after-approval-or-lock",
    "serial-revisions": "serial-budget-revisions",
    "year-end-spike": "year-end-spike",
    "disbursement-above-commitment": "disbursement-above-commitment",
    "spending-above-annual-budget": "spending-above-annual-budget",
    "outside-project-window": "outside-project-window",
    "reversal": "reversals",
    "counterpart-shortfall": "counterpart-shortfall",
    "exact-duplicate": "exact-duplicate-payments",
    "near-duplicate": "near-duplicate-payments",
    "splitting": "splitting-below-procurement-threshold",
    "round-amount": "round-amounts",
    "off-hours": "off-hours-postings",
    "back-dated": "back-dated-entries",
    "self-approval": "self-approval",
    "payee-concentration": "payee-concentration",
}


def money(value: Decimal, currency: str) -> dict:
    """An exact money object: JPY and LAK in whole units, USD and EUR in cents."""
    places = Decimal("1") if currency in ("JPY", "LAK") else Decimal("0.01")
    text = str(value.quantize(places, rounding=ROUND_HALF_UP))
    return {"amount": text, "currency": currency}


def is_round(amount_text: str) -> bool:
    """The round-amounts rule's test with its default: one significant digit then at least 4 zeros."""
    if "." in amount_text:
        whole, fraction = amount_text.split(".")
        if fraction.strip("0"):
            return False
    else:
        whole = amount_text
    whole = whole.lstrip("-")
    stripped = whole.rstrip("0")
    return len(stripped) == 1 and stripped != "0" and len(whole) - len(stripped) >= 4


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


# Boun Ok Phansa and Boun That Luang by year (the lunar holidays of Sources/Inspection/LaoPublicHolidays.swift).
LUNAR_HOLIDAYS = {
    2015: ((10, 27), (11, 25)), 2016: ((10, 16), (11, 14)), 2017: ((10, 5), (11, 3)), 2018: ((10, 24), (11, 22)),
    2019: ((10, 13), (11, 11)), 2020: ((10, 2), (10, 31)), 2021: ((10, 21), (11, 19)), 2022: ((10, 10), (11, 8)),
    2023: ((10, 29), (11, 27)), 2024: ((10, 17), (11, 15)), 2025: ((10, 7), (11, 5)), 2026: ((10, 26), (11, 24)),
    2027: ((10, 15), (11, 14)), 2028: ((10, 3), (11, 2)), 2029: ((10, 22), (11, 21)), 2030: ((10, 11), (11, 10)),
}
_HOLIDAY_CACHE: dict[int, set[date]] = {}


def holidays(year: int) -> set[date]:
    """Lao public holidays of `year` as the off-hours rule judges them: the fixed dates, the two lunar
    festivals, and for a fixed holiday on a weekend the next weekday that is no holiday and not yet taken."""
    if year not in _HOLIDAY_CACHE:
        fixed = sorted(date(year, m, d) for m, d in HOLIDAYS)
        lunar = {date(year, *md) for md in LUNAR_HOLIDAYS.get(year, ())}
        days = set(fixed) | lunar
        taken: set[date] = set()
        for holiday in fixed:
            if holiday.weekday() < 5:
                continue
            candidate = holiday + timedelta(days=1)
            while candidate.weekday() >= 5 or candidate in fixed or candidate in lunar or candidate in taken:
                candidate += timedelta(days=1)
            taken.add(candidate)
        _HOLIDAY_CACHE[year] = days | taken
    return _HOLIDAY_CACHE[year]


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays(day.year)


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return date(year, month, min(day.day, last))


class Portfolio:
    """Builds the events and labels; every random choice comes from one seeded generator."""

    def __init__(self, seed: int, projects: int):
        self.rng = random.Random(seed)
        self.seed = seed
        self.project_count = projects
        self.lines: list[tuple[datetime, int, dict]] = []
        self.counter = 0
        self.labels: list[dict] = []
        self.rate_table: dict[str, list[tuple[date, Decimal]]] = {}
        self.disbursed: dict[str, Decimal] = {}
        self.decoys: list[dict] = []
        self.captured_agency: str | None = None
        self.group_years: dict[tuple[str, int], int] = {}
        self.population_roles: dict[str, str] = {}
        self.population_keys: dict[str, list[str]] = {}

    # ---- recording -------------------------------------------------------------------------
    def work_time(self, day: date, earliest: datetime | None = None) -> datetime:
        """A moment during Vientiane working hours (08:00-16:59) on `day` or the next working day,
        and not before `earliest`."""
        day = next_working_day(day)
        moment = datetime(day.year, day.month, day.day, 8, 0, tzinfo=VIENTIANE) + timedelta(
            minutes=self.rng.randrange(0, 9 * 60))
        if earliest is not None and moment <= earliest:
            moment = earliest + timedelta(minutes=self.rng.randrange(3, 40))
            local = moment.astimezone(VIENTIANE)
            if local.hour >= 17 or local.hour < 8 or not is_working_day(local.date()):
                following = next_working_day(local.date() + timedelta(days=1))
                moment = datetime(following.year, following.month, following.day, 8, 5, tzinfo=VIENTIANE) + timedelta(
                    minutes=self.rng.randrange(0, 120))
        return moment

    def emit(self, at: datetime, actor: str, stream: str, kind: str, payload: dict, key: str, **extra) -> str:
        line = {"stream": stream, "type": kind, "payload": payload, "idempotencyKey": key, "actor": actor,
                "recordedAt": rfc3339(at)}
        line.update(extra)
        self.lines.append((at, self.counter, line))
        self.counter += 1
        return key

    # ---- exchange rates --------------------------------------------------------------------
    def rate_on(self, currency: str, day: date) -> Decimal:
        anchors = RATE_ANCHORS[currency]
        for (d0, r0), (d1, r1) in zip(anchors, anchors[1:]):
            if d0 <= day <= d1:
                share = Decimal((day - d0).days) / Decimal((d1 - d0).days)
                return Decimal(r0) + (Decimal(r1) - Decimal(r0)) * share
        return Decimal(anchors[-1][1])

    def record_rates(self) -> None:
        """A rate for each currency on the first working day of every month, from the Bank of the Lao PDR
        (LAK) and the ECB reference rates crossed through USD (EUR, JPY)."""
        month = date(TIMELINE_START.year, TIMELINE_START.month, 1)
        while month <= TIMELINE_END:
            day = next_working_day(month if month >= TIMELINE_START else TIMELINE_START)
            at = datetime(day.year, day.month, day.day, 8, 0, tzinfo=VIENTIANE) + timedelta(minutes=self.rng.randrange(0, 50))
            for currency in ("LAK", "EUR", "JPY"):
                value = self.rate_on(currency, day) * (Decimal(1) + Decimal(self.rng.randrange(-80, 81)) / Decimal(10000))
                value = value.quantize(Decimal("0.01") if currency != "EUR" else Decimal("0.0001"))
                self.rate_table.setdefault(currency, []).append((day, value))
                source = "Bank of the Lao PDR reference rate" if currency == "LAK" else "ECB reference rate, crossed through USD"
                self.emit(at, "user:fx-desk", f"fx:{currency}", "ExchangeRateRecorded",
                          {"baseCurrency": "USD", "quoteCurrency": currency, "rate": str(value),
                           "effectiveDate": day.isoformat(), "source": source},
                          f"syn-fx-{currency}-{day.isoformat()}")
                at += timedelta(seconds=20)
            month = add_months(month, 1)

    def kip_per_unit(self, currency: str, day: date) -> Decimal:
        """Kip per unit of `currency` by the latest recorded monthly rate (what the rules will use)."""
        if currency == "LAK":
            return Decimal(1)
        lak = self.latest_rate("LAK", day)
        if currency == "USD":
            return lak
        return lak / self.latest_rate(currency, day)

    def latest_rate(self, currency: str, day: date) -> Decimal:
        rows = [r for d, r in self.rate_table[currency] if d <= day]
        return rows[-1] if rows else self.rate_table[currency][0][1]

    # ---- amounts ---------------------------------------------------------------------------
    def amount(self, value: Decimal, currency: str) -> dict:
        """`value` made irregular (never a round figure) in `currency`."""
        while True:
            jitter = Decimal(self.rng.randrange(9700, 10300)) / Decimal(10000)
            result = money(value * jitter, currency)
            if currency in ("USD", "EUR"):
                cents = self.rng.randrange(1, 100)
                whole = result["amount"].split(".")[0]
                result = {"amount": f"{whole}.{cents:02d}", "currency": currency}
            elif currency == "LAK":
                # Kip amounts end in hundreds, as invoices in kip do, but never in a single digit and zeros.
                whole = int(Decimal(result["amount"])) // 100 * 100 + self.rng.randrange(1, 10) * 100
                result = {"amount": str(whole), "currency": currency}
            if Decimal(result["amount"]) > 0 and not is_round(result["amount"]):
                return result

    def usd_value(self, usd: float, currency: str, day: date) -> Decimal:
        """A USD figure expressed in `currency` at the rate of `day`."""
        if currency == "USD":
            return Decimal(str(usd))
        if currency == "LAK":
            return Decimal(str(usd)) * self.rate_on("LAK", day)
        return Decimal(str(usd)) * self.rate_on(currency, day)

    # ---- projects --------------------------------------------------------------------------
    def build(self) -> None:
        self.record_rates()
        registered_at = datetime(2020, 7, 1, 9, 0, tzinfo=VIENTIANE)
        for org_id, name, org_type, _ in PARTNERS:
            self.emit(registered_at, "user:admin.dic", f"org:{org_id}", "OrganisationRegistered",
                      {"organisationId": org_id, "name": name, "organisationType": org_type, "iatiIdentifier": org_id},
                      f"syn-org-{org_id}")
            registered_at += timedelta(minutes=2)
        for org_id, name in AGENCIES:
            self.emit(registered_at, "user:admin.dic", f"org:{org_id}", "OrganisationRegistered",
                      {"organisationId": org_id, "name": name, "organisationType": "10"}, f"syn-org-{org_id}")
            registered_at += timedelta(minutes=2)

        plans = [self.plan_project(i) for i in range(self.project_count)]
        self.assign_anomalies(plans)
        for plan in plans:
            self.generate_project(plan)
        if self.population_roles:
            self.label_population()

    def plan_project(self, index: int) -> dict:
        rng = self.rng
        partner = PARTNERS[index % len(PARTNERS)] if index < len(PARTNERS) else rng.choice(PARTNERS)
        swg = list(SECTORS)[(index * 7 + rng.randrange(0, 3)) % len(SECTORS)]
        agency, codes, titles, lines = SECTORS[swg]
        currency = partner[3]
        if currency == "USD" and rng.random() < 0.3:
            currency = "LAK"  # government-executed, accounted in kip
        start = add_months(date(2021, 3, 1), rng.randrange(0, 36))
        if start.month >= 11:
            # Effective from January rather than in the last two months: a first year of one or two
            # months would be all December, which year-end-spike rightly finds odd.
            start = date(start.year + 1, 1, 1)
        end = add_months(start, rng.randrange(24, 49)) - timedelta(days=1)
        provinces = rng.sample(sorted(PROVINCES), rng.choice([1, 1, 2, 3]))
        annual_usd = rng.choice([250_000, 400_000, 650_000, 900_000, 1_300_000, 2_000_000])
        recorder = RECORDERS[index % len(RECORDERS)]
        return {
            "index": index, "id": f"LA-SYN-{start.year}-{index + 1:03d}", "partner": partner, "swg": swg,
            "agency": agency, "codes": codes, "title": f"{rng.choice(titles)} ({', '.join(PROVINCES[p] for p in provinces)})",
            "lines": lines, "currency": currency, "start": start, "end": end, "provinces": provinces,
            "annual_usd": annual_usd, "recorder": recorder,
            "approver": APPROVERS[index % len(APPROVERS)], "director": DIRECTORS[index % len(DIRECTORS)],
            "anomalies": [], "decoys": [], "population": {},
        }

    def assign_anomalies(self, plans: list[dict]) -> None:
        """Each kind goes to `per_kind` distinct projects, rotating so kinds spread across projects."""
        per_kind = max(2, len(plans) // 8)
        kinds = list(KINDS)
        # The agency whose projects a payee captures (population anomalies): the largest. None of its
        # projects is dominated by a payee of its own, which would dilute the captured share.
        counts: dict[str, int] = {}
        for plan in plans:
            counts[plan["agency"]] = counts.get(plan["agency"], 0) + 1
        self.captured_agency = min(counts, key=lambda a: (-counts[a], a)) if len(plans) >= POPULATION_MINIMUM else None
        for k, kind in enumerate(kinds):
            eligible = [p for p in plans if self.eligible(kind, p)
                        and not (kind == "payee-concentration" and p["agency"] == self.captured_agency)]
            self.rng.shuffle(eligible)
            eligible.sort(key=lambda p: len(p["anomalies"]))
            taken = 0
            for plan in eligible:
                if taken == per_kind:
                    break
                if kind in INCOMPATIBLE and INCOMPATIBLE[kind] & set(plan["anomalies"]):
                    continue
                plan["anomalies"].append(kind)
                taken += 1
                if kind == "payee-concentration":
                    # Large enough that the other anomalies' payments cannot dilute the dominant payee.
                    plan["annual_usd"] = max(plan["annual_usd"], 1_300_000)
        for kind, (rule, mimics) in DECOYS.items():
            eligible = [p for p in plans if mimics not in p["anomalies"] and not DECOY_EXCLUDES.get(kind, set()) & set(p["anomalies"])
                        and len(self.years(p)) >= 2 and self.eligible(mimics, p)]
            self.rng.shuffle(eligible)
            eligible.sort(key=lambda p: len(p["decoys"]))
            for plan in eligible[:max(1, per_kind // 2)]:
                plan["decoys"].append(kind)
        # Project-years per sector working group and per partner: peer-execution-rate judges a year
        # against the sector group's other projects, else the partner's, when there are 5 of them.
        self.group_years: dict[tuple[str, int], int] = {}
        for plan in plans:
            for y in self.years(plan):
                for group in (plan["swg"], plan["partner"][0]):
                    self.group_years[(group, y)] = self.group_years.get((group, y), 0) + 1
        if len(plans) >= POPULATION_MINIMUM:
            self.assign_population(plans, per_kind)

    def assign_population(self, plans: list[dict], per_kind: int) -> None:
        """Roles in the population anomalies, by agency: a payee captured across the projects of the
        largest agency (chosen in assign_anomalies); among the others (largest first), a utility paid a thinner share of
        every project of the first (near miss), payments bunched just below the 5,000,000 kip
        direct-selection threshold in the first, dollar contracts bunched just below a US$ 10,000
        prior-review threshold in the second; and a little kip bunching in the captured agency, the largest
        (near miss: enough payments for both Benford tests to judge it). Execution spikes (and near
        misses) go to project-years whose sector group has enough peers to be judged."""
        by_agency: dict[str, list[dict]] = {}
        for plan in plans:
            by_agency.setdefault(plan["agency"], []).append(plan)
        agencies = sorted(by_agency, key=lambda a: (-len(by_agency[a]), a))
        first = self.captured_agency
        rest = [a for a in agencies if a != first]
        # The digit anomalies go to the largest other agencies (enough payments for both Benford tests).
        self.population_roles = {"captured-payee": first, "near-miss-shared-payee": rest[0], "threshold-bunching": rest[0],
                                 "prior-review-bunching": rest[1], "near-miss-bunching": first}
        captured = f"{self.rng.choice(PAYEE_NAMES)} Prime Trading and Construction Co., Ltd."
        shared = "Electricite du Laos (EDL)"
        for plan in by_agency[self.population_roles["captured-payee"]]:
            if "payee-concentration" not in plan["anomalies"]:
                plan["population"]["payee"] = (captured, "0.60", "captured-payee")
        for plan in by_agency[self.population_roles["near-miss-shared-payee"]]:
            if "payee-concentration" not in plan["anomalies"]:
                plan["population"]["payee"] = (shared, "0.30", "near-miss-shared-payee")
        for role, per_month in (("threshold-bunching", 1.4), ("prior-review-bunching", 2.0), ("near-miss-bunching", 0.12)):
            for plan in by_agency[self.population_roles[role]]:
                plan["population"]["digits"] = (role, per_month)

        group_years = self.group_years

        def spike_years(plan: dict) -> list[int]:
            return [y for y in self.years(plan) if 2022 <= y <= TIMELINE_END.year - 1 and group_years[(plan["swg"], y)] >= PEER_MINIMUM + 1
                    and (min(date(y, 12, 31), plan["end"]) - max(date(y, 1, 1), plan["start"])).days >= 180]
        spare = {"disbursement-above-commitment"}
        eligible = [p for p in plans if spike_years(p) and not spare & set(p["anomalies"])
                    and "near-miss-disbursement" not in p["decoys"]]
        self.rng.shuffle(eligible)
        for n, plan in enumerate(eligible[:per_kind + max(1, per_kind // 2)]):
            plan["population"]["execution"] = ("execution-spike" if n < per_kind else "near-miss-execution",
                                               self.rng.choice(spike_years(plan)))

    @staticmethod
    def years(plan: dict) -> list[int]:
        last = min(plan["end"], TIMELINE_END - timedelta(days=20))
        return list(range(plan["start"].year, last.year + 1))

    def eligible(self, kind: str, plan: dict) -> bool:
        complete_years = [y for y in self.years(plan) if date(y, 12, 31) <= min(plan["end"], TIMELINE_END - timedelta(days=40))
                          and date(y, 1, 1) >= plan["start"].replace(day=1, month=1)]
        if kind in ("year-end-spike", "revision-after-lock", "revision-after-period-end", "counterpart-shortfall",
                    "spending-above-annual-budget"):
            return any(date(y, 3, 1) >= plan["start"] for y in complete_years)
        if kind == "outside-project-window":
            return plan["end"] < TIMELINE_END - timedelta(days=150)
        return len(self.years(plan)) >= 2

    def generate_project(self, plan: dict) -> None:
        rng = self.rng
        pid, stream, currency = plan["id"], f"project:{plan['id']}", plan["currency"]
        recorder, approver, director = plan["recorder"], plan["approver"], plan["director"]
        partner_id = plan["partner"][0]
        anomalies = set(plan["anomalies"])
        key_prefix = f"syn-{pid.lower()}"
        start, end = plan["start"], plan["end"]
        last_day = min(end, TIMELINE_END - timedelta(days=20))
        years = self.years(plan)
        project_subject = {"kind": "project", "name": pid, "project": pid}

        def label(kind: str, keys: list[str], subject: dict, description: str, also: list[dict] | None = None) -> None:
            expect = [{"rule": KINDS[kind], "subject": subject}] + (also or [])
            self.labels.append({"kind": kind, "rule": KINDS[kind], "project": pid, "expect": expect,
                                "idempotencyKeys": keys, "description": description})

        def decoy(kind: str, keys: list[str], description: str) -> None:
            self.decoys.append({"kind": kind, "rule": DECOYS[kind][0], "project": pid, "idempotencyKeys": keys,
                                "description": description})

        def population_label(kind: str, keys: list[str], subject: dict, description: str) -> None:
            self.labels.append({"kind": kind, "rule": POPULATION_KINDS[kind], "project": pid, "scope": "population",
                                "expect": [{"rule": POPULATION_KINDS[kind], "subject": subject}],
                                "idempotencyKeys": keys, "description": description})

        def population_decoy(kind: str, keys: list[str], description: str) -> None:
            self.decoys.append({"kind": kind, "rule": POPULATION_DECOYS[kind], "project": pid, "scope": "population",
                                "idempotencyKeys": keys, "description": description})

        def peer_judged(year: int) -> bool:
            """Whether peer-execution-rate judges the project in `year`: a year before the portfolio's
            last, and 5 other projects of its sector group or partner with budgets that year."""
            return year < TIMELINE_END.year and max(self.group_years.get((plan["swg"], year), 0),
                                                    self.group_years.get((partner_id, year), 0)) >= PEER_MINIMUM

        # Proposal, allocations, approval, agreement, commitment.
        proposed_on = start - timedelta(days=rng.randrange(60, 150))
        t = self.work_time(proposed_on)
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        total_usd = plan["annual_usd"] * months / 12
        execution = plan["population"].get("execution")
        # A project that draws a large advance in one year was committed more than its budgets (room for it).
        headroom = 1.7 if execution and execution[0] == "execution-spike" else 1.12
        estimated = self.amount(self.usd_value(total_usd * headroom, currency, start), currency)
        self.emit(t, recorder, stream, "ProjectProposed", {
            "projectId": pid, "title": plan["title"], "developmentPartner": partner_id,
            "implementingAgency": plan["agency"], "plannedStartDate": start.isoformat(), "plannedEndDate": end.isoformat(),
            "estimatedCost": estimated, "sectorWorkingGroup": plan["swg"]}, f"{key_prefix}-proposed")
        t = self.work_time(proposed_on, t)
        codes = rng.sample(plan["codes"], min(len(plan["codes"]), rng.choice([1, 2])))
        self.emit(t, recorder, stream, "SectorAllocationRevised",
                  {"allocations": split_percentages("sector", codes)}, f"{key_prefix}-sectors")
        t = self.work_time(proposed_on, t)
        self.emit(t, recorder, stream, "LocationAllocationRevised",
                  {"allocations": split_percentages("province", plan["provinces"])}, f"{key_prefix}-provinces")
        approved_on = start - timedelta(days=rng.randrange(10, 40))
        t = self.work_time(approved_on, t)
        self_approval = "self-approval" in anomalies
        key = self.emit(t, recorder if self_approval else approver, stream, "ProjectApproved", {
            "approvingAuthority": rng.choice(["Government", "MPI", "MoFA"]),
            "approvalReference": f"MPI/DIC/{approved_on.year}/{plan['index'] + 101:03d}",
            "approvalDate": approved_on.isoformat()}, f"{key_prefix}-approved")
        if self_approval:
            label("self-approval", [key], {"kind": "user", "name": recorder, "project": pid},
                  "The proposer recorded the approval of their own project.")
        instrument = "loan" if partner_id in ("XM-DAC-46004", "XM-DAC-44000") else "grant"
        agreement = f"FA-{pid}"
        signed = approved_on + timedelta(days=3)
        t = self.work_time(signed, t)
        self.emit(t, recorder, stream, "FinancingAgreementSigned", {
            "agreementId": agreement, "developmentPartner": partner_id, "signedDate": signed.isoformat(),
            "amount": estimated, "instrument": instrument}, f"{key_prefix}-agreement")
        commitment = Decimal(estimated["amount"])
        t = self.work_time(signed, t)
        self.emit(t, recorder, stream, "CommitmentRecorded", {
            "transactionId": f"{pid}-C1", "date": signed.isoformat(), "amount": estimated,
            "provider": partner_id, "agreementId": agreement}, f"{key_prefix}-commitment")
        t = self.work_time(start, t)
        activated = t
        self.emit(t, recorder, stream, "ProjectStatusChanged", {
            "from": "approved", "to": "active", "effectiveDate": start.isoformat(), "reason": "Financing agreement effective"},
            f"{key_prefix}-active")

        # Which year carries which anomaly: year-bound kinds need a complete calendar year inside the
        # project; payment kinds go to years with at least eight months of activity, least loaded first.
        complete = [y for y in years if date(y, 12, 31) <= min(end, TIMELINE_END - timedelta(days=40)) and date(y, 3, 1) >= start]
        busy = [y for y in years if (min(date(y, 12, 31), last_day) - max(date(y, 1, 1), start)).days >= 240] or years
        # Payment anomalies pay above the 500,000,000 kip threshold: keep them to years whose budget is at
        # least four such payments, so they never push a year's spending over its budget on their own.
        big_usd = {y: Decimal(SPLIT_THRESHOLD_KIP) * Decimal("1.3") / self.rate_on("LAK", date(y, 6, 1)) for y in years}
        share_of = {y: Decimal((min(date(y, 12, 31), end).month - max(date(y, 1, 1), start).month + 1)) / 12 for y in years}
        busy = [y for y in busy if Decimal(plan["annual_usd"]) * share_of[y] >= 4 * big_usd[y]] or busy
        load = {y: 0 for y in years}
        year_for: dict[str, int] = {}
        decoys = sorted(plan["decoys"])
        yearly = ("year-end-spike", "revision-after-lock", "revision-after-period-end", "counterpart-shortfall",
                  "spending-above-annual-budget", "near-miss-counterpart", "near-miss-budget", "near-miss-late-revision")
        for kind in sorted(anomalies, key=lambda k: (k not in yearly, k)) + decoys:
            pool = [y for y in complete if y not in year_for.values()] or complete if kind in yearly else busy
            if kind == "serial-revisions":
                pool = [y for y in busy if y > start.year] or busy
            if kind in ("back-dated", "near-miss-back-dated"):
                pool = [y for y in busy if date(y, 11, 25) + timedelta(days=300) <= TIMELINE_END] or pool
            year_for[kind] = min(pool, key=lambda y: (load[y], rng.random()))
            load[year_for[kind]] += 1

        payees = [f"{n} {s}" for n, s in zip(rng.sample(PAYEE_NAMES, 6), rng.sample(PAYEE_STEMS, 6))]
        payee_state = {p: {"days": []} for p in payees}
        dominant = None
        if "payee-concentration" in anomalies:
            dominant = f"{rng.choice(PAYEE_NAMES)} Prime Contractor Co., Ltd."
            payee_state[dominant] = {"days": []}
        invoice_counter = [0]
        counter = [0]
        expenditures: list[tuple[str, date, datetime]] = []
        spent: dict[int, Decimal] = {}

        def next_key(kind: str) -> str:
            counter[0] += 1
            return f"{key_prefix}-{kind}-{counter[0]:04d}"

        def pick_payee(day: date) -> str:
            """The least recently paid payee with no payment within 35 days of `day` (either side)."""
            free = [p for p in payees if all(abs((day - d).days) >= 35 for d in payee_state[p]["days"])]
            if not free:
                name = f"{PAYEE_NAMES[len(payees) % len(PAYEE_NAMES)]} {PAYEE_STEMS[len(payees) % len(PAYEE_STEMS)]} {len(payees) + 1}"
                payees.append(name)
                payee_state[name] = {"days": []}
                free = [name]
            return min(free, key=lambda p: (max(payee_state[p]["days"], default=date(1900, 1, 1)), p))

        def pay(day: date, amount: dict, payee: str, key: str, *, invoice: str | None = None,
                recorded: datetime | None = None) -> str:
            invoice_counter[0] += 1
            at = recorded or self.work_time(day + timedelta(days=rng.randrange(0, 8)), activated)
            self.emit(at, recorder, stream, "ExpenditureRecorded", {
                "transactionId": f"{pid}-E{invoice_counter[0]:04d}", "date": day.isoformat(), "amount": amount,
                "payee": payee, "invoiceNumber": invoice or f"INV-{pid}-{invoice_counter[0]:04d}", "approvedBy": director,
                "description": rng.choice(["Works certificate", "Goods delivered", "Consulting services",
                                           "Training workshop", "Monitoring mission"])}, key)
            payee_state.setdefault(payee, {"days": []})["days"].append(day)
            value = Decimal(amount["amount"])
            if amount["currency"] != currency:  # kip purchases, or dollar contracts, in a project accounted otherwise
                value = value * self.kip_per_unit(amount["currency"], day) / self.kip_per_unit(currency, day)
            spent[day.year] = spent.get(day.year, Decimal(0)) + value
            expenditures.append((key, day, at))
            return key

        def big(day: date) -> dict:
            """A payment above the top procurement threshold, so the splitting rule never adds it up."""
            return self.amount(Decimal(SPLIT_THRESHOLD_KIP) * Decimal("1.3") / self.kip_per_unit(currency, day), currency)

        def fresh_payee(tag: str) -> str:
            name = f"{rng.choice(PAYEE_NAMES)} {tag} Co., Ltd."
            payee_state[name] = {"days": []}
            return name

        def day_in(year: int, lo: int, hi: int, room: int = 0) -> date:
            """A day `lo`..`hi` days into the project's part of `year`, kept before 25 November and at
            least `room` days before the project's last day (for payments that follow it)."""
            first = max(date(year, 1, 1), start + timedelta(days=15))
            latest = min(date(year, 11, 25), last_day - timedelta(days=room))
            return min(first + timedelta(days=rng.randrange(lo, hi)), latest)

        def inject(year: int) -> Decimal:
            """The year's payment anomalies; returns what they add to its expenditure."""
            added = Decimal(0)
            kinds = [k for k, y in year_for.items() if y == year]
            if "exact-duplicate" in kinds:
                day = day_in(year, 30, 90)
                payee, amount = pick_payee(day), big(day)
                k1 = pay(day, amount, payee, next_key("exp"), invoice=f"INV-{pid}-DUP")
                k2 = pay(day, amount, payee, next_key("exp"), invoice=f"INV-{pid}-DUP")
                added += 2 * Decimal(amount["amount"])
                label("exact-duplicate", [k1, k2], {"kind": "payee", "name": payee, "project": pid},
                      f"One invoice of {payee} paid twice on {day}.")
            if "near-duplicate" in kinds:
                day = day_in(year, 100, 150, room=6)
                payee, amount = pick_payee(day), big(day)
                k1 = pay(day, amount, payee, next_key("exp"))
                places = Decimal("1") if currency in ("JPY", "LAK") else Decimal("0.01")
                second = {"amount": str((Decimal(amount["amount"]) * Decimal("1.004")).quantize(places) + places * 3),
                          "currency": currency}
                k2 = pay(day + timedelta(days=rng.randrange(2, 6)), second, payee, next_key("exp"))
                added += Decimal(amount["amount"]) + Decimal(second["amount"])
                label("near-duplicate", [k1, k2], {"kind": "payee", "name": payee, "project": pid},
                      f"{payee} paid twice within a week, amounts 0.4 % apart.")
            if "splitting" in kinds:
                day = min(day_in(year, 160, 200, room=12), date(year, 11, 12))
                payee = fresh_payee("Supplies")
                threshold = SMALL_THRESHOLD_KIP if rng.random() < 0.5 else SPLIT_THRESHOLD_KIP
                keys = []
                for n, fraction in enumerate(["0.45", "0.38", "0.31"]):
                    pay_day = day + timedelta(days=6 * n)
                    amount = self.amount(Decimal(threshold) * Decimal(fraction) / self.kip_per_unit(currency, pay_day), currency)
                    keys.append(pay(pay_day, amount, payee, next_key("exp")))
                    added += Decimal(amount["amount"])
                label("splitting", keys, {"kind": "payee", "name": payee, "project": pid},
                      f"Three payments to {payee} within 12 days, each under the {threshold:,} kip threshold, together over it.")
            if "round-amount" in kinds:
                day = day_in(year, 210, 240)
                figure = {"USD": "40000", "EUR": "30000", "JPY": "5000000", "LAK": "400000000"}[currency]
                amount = {"amount": figure if currency in ("JPY", "LAK") else figure + ".00", "currency": currency}
                key = pay(day, amount, pick_payee(day), next_key("exp"))
                added += Decimal(figure)
                label("round-amount", [key], project_subject, f"A payment of exactly {figure} {currency}.")
            if "back-dated" in kinds:
                day = day_in(year, 60, 100)
                recorded_day = day + timedelta(days=rng.randrange(150, 300))
                amount = big(day)
                key = pay(day, amount, fresh_payee("Late Invoice"), next_key("exp"), recorded=self.work_time(recorded_day))
                added += Decimal(amount["amount"])
                label("back-dated", [key], {"kind": "user", "name": recorder, "project": pid},
                      f"A payment dated {day} recorded on {recorded_day}.")
            if "off-hours" in kinds:
                day = day_in(year, 120, 200)
                recorded = day + timedelta(days=1)
                while recorded.weekday() != 5:
                    recorded += timedelta(days=1)
                at = datetime(recorded.year, recorded.month, recorded.day, 22, rng.randrange(0, 59), tzinfo=VIENTIANE)
                amount = big(day)
                key = pay(day, amount, pick_payee(day), next_key("exp"), recorded=at)
                added += Decimal(amount["amount"])
                label("off-hours", [key], {"kind": "user", "name": recorder, "project": pid},
                      f"A payment recorded on Saturday {recorded} at 22:xx Vientiane time.")
            if "near-miss-back-dated" in kinds:
                day = day_in(year, 40, 80)
                recorded_day = day + timedelta(days=rng.randrange(60, 80))
                amount = big(day)
                key = pay(day, amount, fresh_payee("Late Delivery"), next_key("exp"), recorded=self.work_time(recorded_day))
                added += Decimal(amount["amount"])
                decoy("near-miss-back-dated", [key], f"A payment dated {day} recorded {(recorded_day - day).days} days later, under 90.")
            if "near-miss-off-hours" in kinds:
                day = day_in(year, 100, 140)
                recorded = next_working_day(day + timedelta(days=1))
                hour, minute = rng.choice([(17, rng.randrange(30, 59)), (7, rng.randrange(5, 50))])
                at = datetime(recorded.year, recorded.month, recorded.day, hour, minute, tzinfo=VIENTIANE)
                amount = big(day)
                key = pay(day, amount, pick_payee(day), next_key("exp"), recorded=at)
                added += Decimal(amount["amount"])
                decoy("near-miss-off-hours", [key], f"A payment recorded on a working day at {hour:02d}:{minute:02d}, inside 07:00-18:00.")
            if "near-miss-round" in kinds:
                day = day_in(year, 150, 190)
                figure = {"USD": "45000", "EUR": "35000", "JPY": "4500000", "LAK": "450000000"}[currency]
                amount = {"amount": figure if currency in ("JPY", "LAK") else figure + ".00", "currency": currency}
                key = pay(day, amount, pick_payee(day), next_key("exp"))
                added += Decimal(figure)
                decoy("near-miss-round", [key], f"A payment of {figure} {currency}: two significant digits, not one.")
            if "near-miss-splitting" in kinds:
                day = min(day_in(year, 190, 230, room=9), date(year, 11, 10))
                payee = fresh_payee("Stationery")
                threshold = SMALL_THRESHOLD_KIP if rng.random() < 0.5 else SPLIT_THRESHOLD_KIP
                keys = []
                for n in range(2):
                    pay_day = day + timedelta(days=9 * n)
                    amount = self.amount(Decimal(threshold) * Decimal("0.45") / self.kip_per_unit(currency, pay_day), currency)
                    keys.append(pay(pay_day, amount, payee, next_key("exp")))
                    added += Decimal(amount["amount"])
                decoy("near-miss-splitting", keys, f"Two payments to {payee} 9 days apart, together about 90 % of the {threshold:,} kip threshold.")
            if "near-miss-near-duplicate" in kinds:
                day = day_in(year, 230, 260, room=3)
                payee, amount = pick_payee(day), big(day)
                k1 = pay(day, amount, payee, next_key("exp"))
                places = Decimal("1") if currency in ("JPY", "LAK") else Decimal("0.01")
                second = {"amount": str((Decimal(amount["amount"]) * Decimal("1.025")).quantize(places) + places * 7), "currency": currency}
                k2 = pay(day + timedelta(days=3), second, payee, next_key("exp"))
                added += Decimal(amount["amount"]) + Decimal(second["amount"])
                decoy("near-miss-near-duplicate", [k1, k2], f"{payee} paid twice 3 days apart, amounts 2.5 % apart (over 1 %).")
            if "near-miss-exact-duplicate" in kinds:
                day = day_in(year, 20, 60, room=42)
                payee, amount = fresh_payee("Rental"), big(day)
                k1 = pay(day, amount, payee, next_key("exp"))
                k2 = pay(day + timedelta(days=42), amount, payee, next_key("exp"))
                added += 2 * Decimal(amount["amount"])
                decoy("near-miss-exact-duplicate", [k1, k2], f"Two equal instalments to {payee} 42 days apart.")
            return added

        for year in years:
            period_start = max(date(year, 1, 1), start)
            period_end = min(date(year, 12, 31), end)
            share = (period_end.month - period_start.month + 1) / 12
            # Planned in the project's currency at the rates of its start: a kip or yen budget does not
            # follow the dollar (and the commitment, fixed at the start, keeps room for every year).
            budget_total = self.usd_value(plan["annual_usd"] * share, currency, start)
            lines = []
            t = self.work_time(max(period_start - timedelta(days=20), approved_on + timedelta(days=5)), t)
            for n, (name, part) in enumerate(zip(plan["lines"], [Decimal("0.6"), Decimal("0.4")])):
                amount = self.amount(budget_total * part, currency)
                lines.append({"id": f"BL-{n + 1}", "amount": amount})
                self.emit(t, recorder, stream, "AnnualBudgetPlanned", {
                    "budgetLineId": f"BL-{n + 1}", "periodStart": period_start.isoformat(), "periodEnd": period_end.isoformat(),
                    "amount": amount, "description": name}, f"{key_prefix}-budget-{year}-bl{n + 1}")
                t += timedelta(minutes=rng.randrange(2, 15))
            budget = sum(Decimal(l["amount"]["amount"]) for l in lines)

            counterpart_plan = self.amount(self.usd_value(plan["annual_usd"] * share * 0.08, "LAK", period_start), "LAK")
            plan_day = period_start + timedelta(days=5)
            t = self.work_time(plan_day, t)
            self.emit(t, recorder, stream, "CounterpartContributionRecorded", {
                "transactionId": f"{pid}-CP-{year}-P", "kind": "planned", "fiscalYear": year, "date": plan_day.isoformat(),
                "amount": counterpart_plan, "inKind": False,
                "description": "Government counterpart budget (salaries, office, taxes)"}, f"{key_prefix}-cp-{year}-planned")

            if year_for.get("serial-revisions") == year:
                line, keys, at_day = lines[1], [], period_start + timedelta(days=30)
                for step in range(3):
                    new = self.amount(Decimal(line["amount"]["amount"]) * Decimal("1.04"), currency)
                    at_day += timedelta(days=rng.randrange(10, 25))
                    t = self.work_time(at_day, t)
                    keys.append(self.emit(t, recorder, stream, "AnnualBudgetRevised", {
                        "budgetLineId": line["id"], "periodStart": period_start.isoformat(), "newAmount": new,
                        "previousAmount": line["amount"], "decisionReference": f"PSC-{pid}-{year}-R{step + 1}",
                        "reason": "Reallocation after steering committee review"}, next_key("revision")))
                    line["amount"] = new
                subject = {"kind": "budget-line", "name": line["id"], "project": pid}
                label("serial-revisions", keys, subject, f"{line['id']} {year} revised three times in a few months.")
            elif not [k for k, y in year_for.items() if y == year] and rng.random() < 0.4:
                # An ordinary mid-year review (June to August) of the first line, -6 % to +15 %, in a year
                # without injected anomalies (a cut could otherwise push their spending over the budget).
                line = lines[0]
                review_day = date(year, rng.choice([6, 7, 8]), rng.randrange(8, 26))
                if period_start < review_day <= min(period_end, last_day):
                    new = self.amount(Decimal(line["amount"]["amount"]) * Decimal(rng.randrange(94, 116)) / Decimal(100), currency)
                    key = self.emit(self.work_time(review_day), recorder, stream, "AnnualBudgetRevised", {
                        "budgetLineId": line["id"], "periodStart": period_start.isoformat(), "newAmount": new,
                        "previousAmount": line["amount"], "decisionReference": f"PSC-{pid}-{year}-MYR",
                        "reason": "Mid-year review by the project steering committee"}, next_key("revision"))
                    line["amount"] = new
                    if rng.random() < 0.3:
                        self.decoys.append({"kind": MID_YEAR_DECOY[0], "rule": MID_YEAR_DECOY[1], "project": pid,
                                            "idempotencyKeys": [key], "description": f"{line['id']} {year} revised at its mid-year review."})

            injected = inject(year)
            spike = year_for.get("year-end-spike") == year
            over = year_for.get("spending-above-annual-budget") == year
            target = budget * Decimal(rng.randrange(55, 68)) / Decimal(100)
            if spike:
                target = budget * Decimal("0.30")
            regular = max(target - injected, budget * Decimal("0.05"))

            # Regular spending, month by month; December small; the dominant payee (payee-concentration)
            # takes every other month at 3 times the weight.
            month_days, day = [], period_start
            while day <= min(period_end, last_day):
                month_days.append(day)
                day = add_months(day.replace(day=1), 1)

            payee_role = plan["population"].get("payee")
            digits_role = plan["population"].get("digits")

            def role_month(d: date) -> bool:
                """Months in which a captured (or widely shared) payee is paid: every other month."""
                return bool(payee_role) and ((d.year - start.year) * 12 + d.month - start.month) % 2 == 0

            # Months differ: each month's spending varies over a decade (log-uniform), so even a payee
            # paid a fixed share of its months is paid amounts whose digits follow Benford's law.
            month_factor = {d: Decimal(10) ** Decimal(str(round(rng.random() - 0.5, 6))) for d in month_days}
            for d in month_days:
                if d.month == 12:  # December never above an ordinary month: a short first year stays clear of year-end-spike
                    month_factor[d] = min(month_factor[d], Decimal(1))

            def month_weight(d: date) -> Decimal:
                if spike and d.month == 12:
                    return Decimal(0)
                weight = Decimal(3 if d.month == 12 else 10) * month_factor[d]
                if dominant and ((d.year - start.year) * 12 + d.month - start.month) % 2 == 0:
                    weight *= Decimal("3")
                if role_month(d):
                    weight *= Decimal("2")
                return weight

            def injected_digits(d: date) -> list[dict]:
                """The month's payments of a digit anomaly (population): kip purchases bunched just under
                the 5,000,000 kip direct-selection threshold, or US dollar contracts just under a partner's
                US$ 10,000 prior-review threshold. None in December."""
                if not digits_role or d.month == 12:
                    return []
                role, rate = digits_role
                n = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
                out = []
                for _ in range(n):
                    if role in ("threshold-bunching", "near-miss-bunching"):
                        out.append({"amount": str(rng.randrange(45_000, 49_900) * 100), "currency": "LAK"})
                    else:
                        out.append({"amount": f"{rng.randrange(9_500, 9_990)}.{rng.randrange(1, 100):02d}", "currency": "USD"})
                return [a for a in out if not is_round(a["amount"])]

            total_weight = sum(month_weight(d) for d in month_days) or Decimal(1)
            dominant_keys = []
            for d in month_days:
                weight = month_weight(d)
                if weight == 0:
                    continue
                monthly = regular * weight / total_weight
                if dominant and ((d.year - start.year) * 12 + d.month - start.month) % 2 == 0:
                    pay_day = d.replace(day=rng.randrange(3, 20))
                    if start <= pay_day <= last_day:
                        dominant_keys.append(pay(pay_day, self.amount(monthly, currency), dominant, next_key("exp")))
                    continue
                # The month's extra figures come out of its total, so budgets and shares hold.
                for extra in injected_digits(d):
                    pay_day = d.replace(day=rng.randrange(3, 26))
                    value = Decimal(extra["amount"])
                    if extra["currency"] != currency:
                        value = value * self.kip_per_unit(extra["currency"], pay_day) / self.kip_per_unit(currency, pay_day)
                    # At most half of what is left of the month, so the month's total (and every share and
                    # budget built on it) holds.
                    if start <= pay_day <= last_day and value <= monthly / 2:
                        key = pay(pay_day, extra, pick_payee(pay_day), next_key("exp"))
                        self.population_keys.setdefault(digits_role[0], []).append(key)
                        monthly -= value
                # Honest payments of many sizes: weights spread over one decade (log-uniform), so their
                # leading digits follow Benford's law whatever the month's total; a captured payee's
                # payment weighs payee_role[1] times more.
                count = rng.randrange(5, 10)
                weights = [Decimal(10) ** Decimal(str(round(rng.random(), 6))) for _ in range(count)]
                if role_month(d):
                    # The captured (or shared) payee takes its fixed share of the month; the others share the rest.
                    share = Decimal(payee_role[1])
                    weights = [w * (1 - share) / sum(weights) for w in weights] + [share]
                total = sum(weights)
                for n, w in enumerate(weights):
                    pay_day = d.replace(day=rng.randrange(3, 26))
                    if not start <= pay_day <= last_day or monthly <= 0:
                        continue
                    captured = role_month(d) and n == count
                    payee = payee_role[0] if captured else pick_payee(pay_day)
                    key = pay(pay_day, self.amount(monthly * w / total, currency), payee, next_key("exp"))
                    if captured:
                        self.population_keys.setdefault(payee_role[2], []).append(key)
            if dominant_keys:
                plan.setdefault("dominant_keys", []).extend(dominant_keys)
            if spike:
                keys = []
                for k in range(3):
                    pay_day = date(year, 12, 4 + 6 * k)
                    keys.append(pay(pay_day, self.amount(budget * Decimal("0.12"), currency), pick_payee(pay_day), next_key("exp")))
                label("year-end-spike", keys, project_subject, f"About 55 % of the {year} expenditure is dated in December.")
            if over:
                keys = []
                for month in (3, 5, 7, 9):
                    pay_day = date(year, month, 20)
                    keys.append(pay(pay_day, self.amount(budget * Decimal("0.18"), currency), pick_payee(pay_day), next_key("exp")))
                label("spending-above-annual-budget", keys, project_subject,
                      f"Four extra payments push {year} expenditure above its budget.")

            if year_for.get("near-miss-budget") == year:
                budget_now = sum(Decimal(l["amount"]["amount"]) for l in lines)
                gap = budget_now * Decimal("0.975") - spent.get(year, Decimal(0))
                pay_day = date(year, 11, 14)
                if gap > 0 and start <= pay_day <= last_day:
                    key = pay(pay_day, self.amount(gap, currency), pick_payee(pay_day), next_key("exp"))
                    decoy("near-miss-budget", [key], f"Expenditure dated {year} reaches about 97 % of its budget.")

            # Disbursements: one per quarter, 63-79 % of the year's budget in all (execution rates differ
            # between projects), in withdrawal applications of different sizes, under the commitment.
            quarters = [m for m in month_days if m.month in (1, 4, 7, 10) or m == month_days[0]]
            execution_rate = Decimal(rng.randrange(63, 80)) / Decimal(100)
            execution_kind = execution[0] if execution and execution[1] == year else None
            if execution_kind == "near-miss-execution":
                execution_rate = Decimal(rng.randrange(88, 92)) / Decimal(100)
            budget_now = sum(Decimal(l["amount"]["amount"]) for l in lines)
            shares = [Decimal(10) ** Decimal(str(round(rng.random(), 6))) for _ in quarters]
            year_disbursements = []
            for q, share in zip(quarters, shares):
                room = commitment * Decimal("0.93") - self.disbursed.get(pid, Decimal(0))
                value = min(budget_now * execution_rate * share / sum(shares), room)
                q_day = q.replace(day=rng.randrange(5, 20))
                if value <= 0 or q_day > last_day:
                    continue
                amount = self.amount(value, currency)
                self.disbursed[pid] = self.disbursed.get(pid, Decimal(0)) + Decimal(amount["amount"])
                year_disbursements.append(self.emit(
                    self.work_time(q_day + timedelta(days=rng.randrange(0, 5)), activated), recorder, stream, "DisbursementRecorded", {
                        "transactionId": f"{pid}-D-{q_day.isoformat()}", "date": q_day.isoformat(), "amount": amount,
                        "provider": partner_id, "receiver": plan["agency"], "reference": f"Withdrawal application {q_day:%Y-%m}"},
                    next_key("disb")))
            if execution_kind == "execution-spike":
                # A large advance to the designated account, far beyond the year's plan (front-loading,
                # or money moved out of the project's control), inside the commitment.
                q_day = min(date(year, rng.choice([9, 10, 11]), rng.randrange(5, 20)), last_day)
                room = commitment * Decimal("0.99") - self.disbursed.get(pid, Decimal(0))
                value = min(budget_now * Decimal(rng.randrange(130, 170)) / Decimal(100), room)
                amount = self.amount(value, currency)
                self.disbursed[pid] = self.disbursed.get(pid, Decimal(0)) + Decimal(amount["amount"])
                key = self.emit(self.work_time(q_day + timedelta(days=2), activated), recorder, stream, "DisbursementRecorded", {
                    "transactionId": f"{pid}-D-ADV-{year}", "date": q_day.isoformat(), "amount": amount, "provider": partner_id,
                    "receiver": plan["agency"], "reference": "Advance to the designated account"}, next_key("disb"))
                population_label("execution-spike", [key] + year_disbursements, {"kind": "project", "name": pid, "project": ""},
                                 f"{pid} disbursed about {int((execution_rate + value / budget_now) * 100)} % of its {year} budget, "
                                 f"peers about 63-79 %.")
            elif execution_kind == "near-miss-execution":
                population_decoy("near-miss-execution", year_disbursements,
                                 f"{pid} disbursed about {int(execution_rate * 100)} % of its {year} budget: high, but less than "
                                 "25 points above its peers (63-79 %).")

            # Counterpart actual, in December (or at the end of the project).
            actual_day = min(date(year, 12, 10), end)
            if actual_day <= last_day:
                shortfall = year_for.get("counterpart-shortfall") == year
                ratio = Decimal(rng.randrange(35, 60) if shortfall else rng.randrange(88, 103)) / Decimal(100)
                near_miss = year_for.get("near-miss-counterpart") == year
                if near_miss:
                    ratio = Decimal(rng.randrange(83, 86)) / Decimal(100)
                actual = self.amount(Decimal(counterpart_plan["amount"]) * ratio, "LAK")
                key = self.emit(self.work_time(actual_day + timedelta(days=2), activated), recorder, stream, "CounterpartContributionRecorded", {
                    "transactionId": f"{pid}-CP-{year}-A", "kind": "actual", "fiscalYear": year, "date": actual_day.isoformat(),
                    "amount": actual, "inKind": False, "description": "Counterpart contribution paid"}, f"{key_prefix}-cp-{year}-actual")
                if near_miss:
                    decoy("near-miss-counterpart", [key], f"The government paid {int(ratio * 100)} % of its planned {year} counterpart, inside the 20 % tolerance.")
                if shortfall:
                    label("counterpart-shortfall", [key, f"{key_prefix}-cp-{year}-planned"], project_subject,
                          f"The government paid about {int(ratio * 100)} % of its planned {year} counterpart.")

            # Reversal of one of the year's payments (an entry against the wrong line), 12 days later.
            if year_for.get("reversal") == year:
                flagged = {k for l in self.labels for k in l["idempotencyKeys"]} | set(plan.get("dominant_keys", []))
                regular = sorted((e for e in expenditures if e[1].year == year and e[0] not in flagged), key=lambda e: e[1])
                target_key, day, recorded = regular[len(regular) // 2]
                at = self.work_time(max(day + timedelta(days=12), recorded.astimezone(VIENTIANE).date() + timedelta(days=1)))
                key = self.emit(at, recorder, stream, "TransactionReversed", {
                    "reversedSeq": 1, "reason": "Entered against the wrong budget line",
                    "decisionReference": f"DIC/{pid}/CORR-{year}"}, next_key("reversal"), reversesKey=target_key)
                label("reversal", [key, target_key], project_subject, "An expenditure was reversed.")

            # Early January, before the year is locked: a revision of the closed year to match what was
            # spent (material: the anomaly; a small correction: the near miss).
            if date(year, 12, 31) < last_day and period_end == date(year, 12, 31):
                for kind, low, high in (("revision-after-period-end", 18, 36), ("near-miss-late-revision", 2, 7)):
                    if year_for.get(kind) != year:
                        continue
                    line = lines[1]
                    late_day = date(year + 1, 1, rng.randrange(6, 14))
                    new = money(Decimal(line["amount"]["amount"]) * Decimal(100 + rng.randrange(low, high)) / Decimal(100), currency)
                    if is_round(new["amount"]):
                        new = money(Decimal(new["amount"]) + (Decimal(1) if currency in ("JPY", "LAK") else Decimal("0.01")), currency)
                    key = self.emit(self.work_time(late_day), recorder, stream, "AnnualBudgetRevised", {
                        "budgetLineId": line["id"], "periodStart": period_start.isoformat(), "newAmount": new,
                        "previousAmount": line["amount"], "decisionReference": f"PSC-{pid}-{year}-FINAL",
                        "reason": "Aligned to the year's final expenditure"}, next_key("revision"))
                    change = int((Decimal(new["amount"]) / Decimal(line["amount"]["amount"]) - 1) * 100)
                    line["amount"] = new
                    if kind == "revision-after-period-end":
                        label(kind, [key], {"kind": "budget-line", "name": line["id"], "project": pid},
                              f"{line['id']} {year} raised {change} % in January {year + 1}, after the year had ended.")
                    else:
                        decoy(kind, [key], f"{line['id']} {year} corrected by {change} % in January {year + 1}, under the 10 % materiality.")

            # Lock the year in January; the revision-after-lock scenario reopens the period and raises it.
            if date(year, 12, 31) < last_day and period_end == date(year, 12, 31):
                lock_day = date(year + 1, 1, 20)
                t_lock = self.work_time(lock_day)
                for line in lines:
                    self.emit(t_lock, recorder, stream, "BudgetPeriodLocked", {
                        "budgetLineId": line["id"], "periodStart": period_start.isoformat(), "reason": "Year-end closing"},
                        f"{key_prefix}-lock-{year}-{line['id'].lower()}")
                    t_lock += timedelta(minutes=3)
                if year_for.get("revision-after-lock") == year:
                    line = lines[0]
                    decision = f"MOF/{year + 1}/{plan['index'] + 300}"
                    t_re = self.work_time(lock_day + timedelta(days=rng.randrange(20, 40)), t_lock)
                    # Every other case: the user who then revises the line approved the reopening too.
                    same_user = plan["index"] % 2 == 1
                    reopen = self.emit(t_re, recorder if same_user else approver, stream, "BudgetReopenApproved", {
                        "budgetLineId": line["id"], "periodStart": period_start.isoformat(),
                        "decisionReference": decision, "reason": "Audit adjustment"}, f"{key_prefix}-reopen-{year}")
                    new = self.amount(Decimal(line["amount"]["amount"]) * Decimal("1.2"), currency)
                    t_re = self.work_time(lock_day + timedelta(days=45), t_re)
                    key = self.emit(t_re, recorder, stream, "AnnualBudgetRevised", {
                        "budgetLineId": line["id"], "periodStart": period_start.isoformat(), "newAmount": new,
                        "previousAmount": line["amount"], "decisionReference": decision,
                        "reason": "Raised after the year was closed"}, next_key("revision"))
                    line["amount"] = new
                    label("revision-after-lock", [key, reopen], {"kind": "budget-line", "name": line["id"], "project": pid},
                          f"{line['id']} {year} was raised 20 % after the period was locked and reopened"
                          + (f" by {recorder}, who recorded the revision." if same_user else "."))

        if dominant:
            label("payee-concentration", plan.get("dominant_keys", []), {"kind": "payee", "name": dominant, "project": pid},
                  f"{dominant} received about two thirds of the project's expenditure.")
        # The extra withdrawals of these two scenarios fall in the project's last year, so no later year
        # is left without room under the commitment; that year's execution is far above its peers'.
        final_from = max(start, date(last_day.year, 1, 1))

        def final_day() -> date:
            return final_from + timedelta(days=rng.randrange(0, max(1, (last_day - final_from).days)))

        def execution_side_effect() -> list[dict]:
            judged = peer_judged(last_day.year)
            return [{"rule": "peer-execution-rate", "subject": {"kind": "project", "name": pid, "project": ""}}] if judged else []

        if "disbursement-above-commitment" in anomalies:
            day = final_day()
            amount = self.amount(commitment * Decimal("1.25") - self.disbursed.get(pid, Decimal(0)), currency)
            key = self.emit(self.work_time(day + timedelta(days=2)), recorder, stream, "DisbursementRecorded", {
                "transactionId": f"{pid}-D-EXTRA", "date": day.isoformat(), "amount": amount, "provider": partner_id,
                "receiver": plan["agency"], "reference": "Additional withdrawal application"}, next_key("disb"))
            label("disbursement-above-commitment", [key], project_subject, "Disbursements reach about 125 % of the commitment.",
                  also=execution_side_effect())
        if "near-miss-disbursement" in plan["decoys"]:
            day = final_day()
            amount = self.amount(commitment * Decimal("1.04") - self.disbursed.get(pid, Decimal(0)), currency)
            if Decimal(amount["amount"]) > 0:
                key = self.emit(self.work_time(day + timedelta(days=2)), recorder, stream, "DisbursementRecorded", {
                    "transactionId": f"{pid}-D-FX", "date": day.isoformat(), "amount": amount, "provider": partner_id,
                    "receiver": plan["agency"], "reference": "Withdrawal at the agreement's exchange rate"}, next_key("disb"))
                decoy("near-miss-disbursement", [key], "Disbursements reach about 104 % of the commitment, inside the 6 % tolerance.")
                if execution_side_effect():
                    population_label("execution-spike", [key], {"kind": "project", "name": pid, "project": ""},
                                     f"The catch-up withdrawal of {day} puts {last_day.year} disbursements far above its budget.")
        if "near-miss-window" in plan["decoys"] and end <= TIMELINE_END - timedelta(days=25):
            amount = self.amount(self.usd_value(plan["annual_usd"] * 0.02, currency, end), currency)
            key = pay(end, amount, fresh_payee("Final Audit"), next_key("exp"))
            decoy("near-miss-window", [key], f"A final payment dated on the project's last day, {end}.")
        if "outside-project-window" in anomalies:
            day = end + timedelta(days=rng.randrange(40, 120))
            amount = self.amount(self.usd_value(plan["annual_usd"] * 0.02, currency, day), currency)
            key = pay(day, amount, fresh_payee("Retention"), next_key("exp"), recorded=self.work_time(day + timedelta(days=3)))
            label("outside-project-window", [key], project_subject, f"A payment dated {day}, after the project ended on {end}.")
        if end <= TIMELINE_END - timedelta(days=30):
            self.emit(self.work_time(end + timedelta(days=rng.randrange(5, 25))), recorder, stream, "ProjectStatusChanged", {
                "from": "active", "to": "completed", "effectiveDate": end.isoformat(), "reason": "Project completion report"},
                f"{key_prefix}-completed")


    def label_population(self) -> None:
        """Labels (and near misses) of the agency-wide anomalies, once every project is generated: the
        captured payee, and the digit anomalies of agencies with enough payments to be judged (the
        Benford rules' minimum samples, counted over live disbursements and expenditures of at least 10)."""
        agency_of = {}
        for _, _, line in self.lines:
            if line["type"] == "ProjectProposed":
                agency_of[line["stream"]] = line["payload"]["implementingAgency"]
        reversed_keys = {line["reversesKey"] for _, _, line in self.lines if "reversesKey" in line}
        payments: dict[str, int] = {}
        for _, _, line in self.lines:
            if line["type"] in ("DisbursementRecorded", "ExpenditureRecorded") and line["idempotencyKey"] not in reversed_keys \
                    and Decimal(line["payload"]["amount"]["amount"]) >= 10:
                agency = agency_of[line["stream"]]
                payments[agency] = payments.get(agency, 0) + 1
        self.agency_payments = payments

        def add(kind: str, keys: list[str], expect: list[dict], description: str, decoy_rules: list[str] | None = None) -> None:
            if decoy_rules is not None:
                for rule in decoy_rules:
                    self.decoys.append({"kind": kind, "rule": rule, "project": "", "scope": "population",
                                        "idempotencyKeys": keys, "description": description})
            elif expect:
                self.labels.append({"kind": kind, "rule": expect[0]["rule"], "project": "", "scope": "population",
                                    "expect": expect, "idempotencyKeys": keys, "description": description})

        roles, keys = self.population_roles, self.population_keys
        captured_keys = keys.get("captured-payee", [])
        if captured_keys:
            payee = next(line["payload"]["payee"] for _, _, line in self.lines if line["idempotencyKey"] == captured_keys[0])
            add("captured-payee", captured_keys, [{"rule": "portfolio-payee-concentration",
                                                   "subject": {"kind": "payee", "name": payee, "project": ""}}],
                f"{payee} is paid about 40 % of the expenditure of every project of {roles['captured-payee']} but those "
                "dominated by another payee.")
        if keys.get("near-miss-shared-payee"):
            add("near-miss-shared-payee", keys["near-miss-shared-payee"], [],
                f"A utility paid about 17 % of the expenditure of each project of {roles['near-miss-shared-payee']}.",
                decoy_rules=["portfolio-payee-concentration"])
        for role, description in (("threshold-bunching", "pays about one in six payments as a kip purchase just under the "
                                                         "5,000,000 kip direct-selection threshold"),
                                  ("prior-review-bunching", "pays about one in six payments as a US dollar contract just under "
                                                            "the partner's US$ 10,000 prior-review threshold")):
            agency = roles[role]
            judged = [rule for rule, minimum in sorted(BENFORD_MINIMUM.items()) if payments.get(agency, 0) >= minimum]
            add(role, keys.get(role, []), [{"rule": rule, "subject": {"kind": "implementing-agency", "name": agency, "project": ""}}
                                           for rule in judged],
                f"{agency} {description} ({payments.get(agency, 0)} payments).")
        agency = roles["near-miss-bunching"]
        judged = [rule for rule, minimum in sorted(BENFORD_MINIMUM.items()) if payments.get(agency, 0) >= minimum]
        if keys.get("near-miss-bunching") and judged:
            add("near-miss-bunching", keys["near-miss-bunching"], [],
                f"{agency} pays about 2 % of its {payments.get(agency, 0)} payments just under the 5,000,000 kip threshold.",
                decoy_rules=judged)

    # ---- output ----------------------------------------------------------------------------
    def write(self, out: str) -> tuple[str, str]:
        os.makedirs(out, exist_ok=True)
        ordered = sorted(self.lines, key=lambda item: (item[0], item[1]))
        events_path = os.path.join(out, "portfolio.jsonl")
        with open(events_path, "w", encoding="utf-8") as handle:
            for _, _, line in ordered:
                handle.write(json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
        labels_path = os.path.join(out, "labels.json")
        document = {
            "generator": "Tools/generate_portfolio.py", "seed": self.seed, "projects": self.project_count,
            "events": len(ordered), "rules": sorted(set(KINDS.values())),
            "populationRules": sorted({r for v in POPULATION_KINDS.values() for r in ((v,) if isinstance(v, str) else v)}),
            "matching": "A flag is a true positive when its ruleId and subject (kind, name, project) equal one of a "
                        "label's expectations and its evidence includes the seq of one of the label's idempotencyKeys.",
            "anomalies": [dict(label, id=f"A{n + 1:03d}") for n, label in enumerate(self.labels)],
            "decoys": [dict(item, id=f"D{n + 1:03d}") for n, item in enumerate(self.decoys)],
        }
        with open(labels_path, "w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=1, sort_keys=True)
            handle.write("\n")
        return events_path, labels_path


def split_percentages(member: str, codes: list[str]) -> list[dict]:
    """Shares summing to exactly 100 with at most 4 fraction digits (thirds: 33.3334 + 33.3333 + 33.3333)."""
    n = len(codes)
    base = (Decimal(100) / n).quantize(Decimal("0.0001"), rounding="ROUND_DOWN")
    shares = [base] * n
    shares[0] += Decimal(100) - base * n
    return [{member: code, "percentage": format(share.normalize(), "f")} for code, share in zip(codes, shares)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--projects", type=int, default=24,
                        help="number of projects (default 24, at least 4; below 8 some kinds may find fewer than two projects, "
                             "as kinds that would hide each other never share one)")
    parser.add_argument("--out", required=True, help="directory to write portfolio.jsonl and labels.json into")
    args = parser.parse_args(argv)
    if args.projects < 4:
        parser.error("--projects must be at least 4, so every anomaly kind finds a project")
    portfolio = Portfolio(args.seed, args.projects)
    portfolio.build()
    events, labels = portfolio.write(args.out)
    print(json.dumps({"events": events, "labels": labels, "eventCount": len(portfolio.lines),
                      "anomalies": len(portfolio.labels)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

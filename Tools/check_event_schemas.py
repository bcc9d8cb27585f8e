#!/usr/bin/env python3
"""Checks Schemas/events with the reference implementation of JSON Schema 2020-12 (python
`jsonschema`): every *.schema.json is a valid 2020-12 schema, is listed in Schemas/README.md, and
every examples/<Type>.json payload validates against its schema (with format checking, so
"format": "date" is enforced). Exits 0 when all hold, 1 with one line per problem otherwise,
2 when jsonschema is not installed. Run by EventSchemaFileTests.
"""
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    print("python3 jsonschema is not installed")
    sys.exit(2)

ROOT = pathlib.Path(__file__).resolve().parent.parent
EVENTS = ROOT / "Schemas" / "events"
README = (ROOT / "Schemas" / "README.md").read_text(encoding="utf-8")

problems = []
schemas = sorted(EVENTS.glob("*.schema.json"))
for path in schemas:
    name = path.name[: -len(".schema.json")]
    schema = json.loads(path.read_text(encoding="utf-8"))
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        problems.append(f"{path.name}: not a valid 2020-12 schema: {error.message}")
        continue
    if f"`{name}`" not in README or f"events/{path.name}" not in README:
        problems.append(f"{path.name}: not listed in Schemas/README.md")
    example = EVENTS / "examples" / f"{name}.json"
    if not example.exists():
        problems.append(f"{path.name}: no example in examples/{name}.json")
        continue
    request = json.loads(example.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for error in validator.iter_errors(request["payload"]):
        problems.append(f"examples/{name}.json: /payload/{'/'.join(map(str, error.path))}: {error.message}")
for line in problems:
    print(line)
print(f"{len(schemas)} schemas checked, {len(problems)} problems")
sys.exit(1 if problems else 0)

#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check_json_schema.py SCHEMA JSON...: validate each JSON file against
SCHEMA (doc/schema/*.schema.json, JSON Schema draft 2020-12); other
schemas in its directory are found by relative $ref.  Exit 0 when every
file is valid, else print each error with its path and exit 1."""
import json
import pathlib
import sys

import jsonschema


def make_validator(cls, path, schema):
    """jsonschema >= 4.18 resolves through `referencing`; Debian 12's 4.10
    through RefResolver, which later versions deprecate."""
    try:
        import referencing
    except ImportError:
        resolver = jsonschema.RefResolver(base_uri=path.as_uri(), referrer=schema)
        return cls(schema, resolver=resolver)
    spec = referencing.jsonschema.specification_with(schema["$schema"])
    registry = referencing.Registry().with_resources(
        (p.name, spec.create_resource(json.loads(p.read_text())))
        for p in path.parent.glob("*.schema.json"))
    return cls(schema, registry=registry)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path = pathlib.Path(sys.argv[1]).resolve()
    schema = json.loads(path.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = make_validator(cls, path, schema)
    bad = 0
    for name in sys.argv[2:]:
        doc = json.loads(pathlib.Path(name).read_text())
        for e in validator.iter_errors(doc):
            bad += 1
            where = "/".join(str(p) for p in e.absolute_path) or "(top)"
            print(f"{name}: {where}: {e.message}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

"""Checks provdb's PROV-JSON export with the Python `prov` package (it must
load it and round-trip it unchanged) and with the PROV-JSON JSON Schema in
../shared/vectors/prov-json (which spells one relation `wasEndedby`; provdb's
export does not use that relation). None of provdb's code is used.

    python3 check_prov.py EXPORT.json SCHEMA.json EXPECTED_QUOTES
"""
import json
import sys

import jsonschema
from prov.constants import PROV, PROV_TYPE
from prov.model import ProvDerivation, ProvDocument

path, schema_path, quotes = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(path).read()
jsonschema.Draft4Validator(json.load(open(schema_path))).validate(json.loads(text))
document = ProvDocument.deserialize(content=text, format="json")
again = ProvDocument.deserialize(content=document.serialize(), format="json")
assert document == again, "the PROV document does not round-trip"
derivations = [r for r in document.get_records(ProvDerivation)]
kinds = [set(r.get_attribute(PROV_TYPE)) for r in derivations]
quoted = sum(1 for k in kinds if PROV["Quotation"] in k)
revised = sum(1 for k in kinds if PROV["Revision"] in k)
assert quoted == quotes, (quoted, quotes)
print(f"prov-json: {len(document.records)} records load and round-trip in `prov`; {quoted} quotations, {revised} revisions; schema valid")

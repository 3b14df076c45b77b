"""Validates provdb's Web Annotation export against the W3C Web Annotation
test suite's JSON Schemas (draft-04, with their cross-file references), using
the jsonschema package and none of provdb's code.

    python3 check_web_annotations.py EXPORT.json ../shared/vectors/web-annotation
"""
import json, sys, glob, os
import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
export, root = sys.argv[1], sys.argv[2]
resources = []
for path in glob.glob(f"{root}/definitions/*.json") + glob.glob(f"{root}/annotations/specificResource/*.json"):
    contents = json.load(open(path))
    resources.append((contents.get("id", os.path.basename(path)), DRAFT4.create_resource(contents)))
registry = Registry().with_resources(resources)
collection = json.load(open(export))
schemas = sorted(glob.glob(f"{root}/annotations/specificResource/*.json"))
items = collection["first"]["items"]
for item in items:
    annotation = dict(item, **{"@context": collection["@context"]})
    for path in schemas:
        schema = json.load(open(path))
        validator = jsonschema.Draft4Validator(schema, registry=registry)
        errors = list(validator.iter_errors(annotation))
        assert not errors, (path, errors[0].message)
print(f"web annotations: {len(items)} annotations pass the {len(schemas)} W3C specific-resource schemas")

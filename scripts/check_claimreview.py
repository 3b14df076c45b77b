#!/usr/bin/env python3
"""Checks provdb's ClaimReview export with pyld, offline, against the
schema.org context in ../shared, and against the markup it was imported from.

usage: check_claimreview.py EXPORT CONTEXT CLAIMS_JSON REVIEWS_JSON MARKUP...

EXPORT        the file `provdb export --format claimreview` wrote
CONTEXT       schema.org's JSON-LD context file (loaded for every schema.org URL)
CLAIMS_JSON   `provdb --json claims` output: every claim must be one node
REVIEWS_JSON  `provdb --json reviews` output: every review one ClaimReview
MARKUP        the files the imported reviews were read from

Checks, using pyld's expansion and flattening (no provdb code):
- the export expands with the schema.org context, and every property and
  type it uses is a term that context defines;
- flattened, each claim of the store is exactly one Claim node
  (urn:provdb:claim:<id>) and there is one ClaimReview per review;
- for every imported review, the exported claimReviewed, rating (label,
  value, best, worst), author names, date and URL equal what the original
  markup states, both expanded by pyld with the same context (dates compared
  as instants, or days); a field absent from the markup is absent from the
  export, never invented.
Exits 1 with a message on the first failure.
"""

import datetime
import json
import re
import sys

from pyld import jsonld

SDO = "http://schema.org/"


def fail(message):
    print(f"check_claimreview: {message}", file=sys.stderr)
    sys.exit(1)


def make_loader(context_path):
    with open(context_path, encoding="utf-8") as handle:
        context = json.load(handle)

    def load(url, options=None):
        bare = url.rstrip("/")
        if bare in ("http://schema.org", "https://schema.org", "http://schema.org/docs/jsonldcontext.json",
                    "https://schema.org/docs/jsonldcontext.json"):
            return {"contextUrl": None, "documentUrl": url, "document": context}
        fail(f"markup asks for the remote document {url}; only schema.org's context is available offline")

    return load


def expand(document, loader):
    return jsonld.expand(document, {"documentLoader": loader})


def walk(node, found):
    if isinstance(node, list):
        for item in node:
            walk(item, found)
    elif isinstance(node, dict):
        types = node.get("@type", [])
        if SDO + "ClaimReview" in types:
            found.append(node)
            return
        for key, value in node.items():
            if key != "@context":
                walk(value, found)


def values(node, prop):
    out = []
    for item in node.get(SDO + prop, []):
        if isinstance(item, dict) and "@value" in item:
            out.append(item["@value"])
        elif isinstance(item, dict) and "@id" in item and len(item) == 1:
            out.append(item["@id"])
        else:
            out.append(item)
    return out


def one(node, prop):
    found = values(node, prop)
    return found[0] if found else None


def number_or_text(value):
    if value is None:
        return None
    text = str(value).strip()
    if text == "":
        return None
    try:
        number = float(text)
        return repr(number)
    except ValueError:
        return text


def instant(text):
    """A stated date as a comparable value: a day, or an aware/naive datetime."""
    if text is None:
        return None
    text = str(text).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.date.fromisoformat(text)
    candidate = text.replace(" ", "T", 1)
    candidate = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", candidate)
    candidate = re.sub(r"Z$", "+00:00", candidate)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", candidate):
        candidate += ":00"
    try:
        return datetime.datetime.fromisoformat(candidate)
    except ValueError:
        return text


def authors(node):
    names = []
    for author in node.get(SDO + "author", []):
        if isinstance(author, dict):
            names.extend(str(name) for name in values(author, "name"))
    return sorted(names)


def rating(node):
    ratings = node.get(SDO + "reviewRating", [])
    if not ratings:
        return None
    first = ratings[0]
    label = one(first, "alternateName")
    if label is None:
        label = one(first, "name")
    return (
        label,
        number_or_text(one(first, "ratingValue")),
        number_or_text(one(first, "bestRating")),
        number_or_text(one(first, "worstRating")),
    )


def fields(node):
    claim = values(node, "claimReviewed")
    return {
        "claimReviewed": [str(text) for text in claim if str(text).strip()],
        "reviewRating": rating(node),
        "author": authors(node),
        "datePublished": instant(one(node, "datePublished")),
        "url": one(node, "url"),
    }


def resolve_pointer(document, pointer):
    node = document
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def context_of(document, pointer):
    """The nearest @context on the path to the pointer, for a block that has none itself."""
    node = document
    context = None
    for token in [""] + pointer.split("/")[1:]:
        if token:
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        if isinstance(node, dict) and "@context" in node:
            context = node["@context"]
    return context


def api_fields(claim, item):
    publisher = item.get("publisher", {})
    return {
        "claimReviewed": [claim["text"]] if claim.get("text") else [],
        "reviewRating": (item.get("textualRating"), None, None, None),
        "author": sorted([publisher["name"]]) if publisher.get("name") else [],
        "datePublished": instant(item.get("reviewDate")),
        "url": item.get("url"),
    }


def main():
    if len(sys.argv) < 6:
        fail("usage: check_claimreview.py EXPORT CONTEXT CLAIMS_JSON REVIEWS_JSON MARKUP...")
    export_path, context_path, claims_path, reviews_path = sys.argv[1:5]
    markup_paths = sys.argv[5:]
    loader = make_loader(context_path)
    with open(export_path, encoding="utf-8") as handle:
        export = json.load(handle)
    claims = json.load(open(claims_path, encoding="utf-8"))["claims"]
    reviews = json.load(open(reviews_path, encoding="utf-8"))

    expanded = expand(export, loader)
    flat = jsonld.flatten(export, None, {"documentLoader": loader})
    graph = flat["@graph"] if isinstance(flat, dict) else flat
    # Every property and type the export uses must be a term schema.org
    # defines: with the context's @vocab, a misspelt key would still expand.
    defined = set(json.load(open(context_path, encoding="utf-8"))["@context"])

    def undefined_terms(node, out):
        if isinstance(node, list):
            for item in node:
                undefined_terms(item, out)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@type":
                    for kind in [value] if isinstance(value, str) else value:
                        if not (kind.startswith(SDO) and kind[len(SDO):] in defined):
                            out.add(kind)
                elif not key.startswith("@"):
                    if not (key.startswith(SDO) and key[len(SDO):] in defined):
                        out.add(key)
                undefined_terms(value, out)
        return out

    unknown = undefined_terms(expanded, set())
    if unknown:
        fail(f"the export uses terms schema.org does not define: {sorted(unknown)}")

    claim_nodes = {}
    for node in graph:
        if SDO + "Claim" in node.get("@type", []):
            claim_nodes.setdefault(node.get("@id", ""), []).append(node)
    for claim in claims:
        key = f"urn:provdb:claim:{claim['id']}"
        if len(claim_nodes.get(key, [])) != 1:
            fail(f"claim {claim['id']} is {len(claim_nodes.get(key, []))} Claim nodes after flattening, not 1")
        node = claim_nodes[key][0]
        if claim["citations"] > 0 and not node.get(SDO + "appearance"):
            fail(f"claim {claim['id']} has live citations but no appearance")
        if claim["citations"] > 0 and not node.get(SDO + "firstAppearance"):
            fail(f"claim {claim['id']} has live citations but no firstAppearance")
    provdb_claims = [key for key in claim_nodes if key.startswith("urn:provdb:claim:")]
    if len(provdb_claims) != len(claims):
        fail(f"{len(provdb_claims)} provdb Claim nodes for {len(claims)} claims")

    exported_reviews = []
    walk(expanded, exported_reviews)
    if len(exported_reviews) != len(reviews):
        fail(f"{len(exported_reviews)} ClaimReview nodes for {len(reviews)} reviews")

    markups = {}
    for path in markup_paths:
        raw = open(path, "rb").read()
        markups[path] = json.loads(raw)
    compared = 0
    for review, node in zip(reviews, exported_reviews):
        got = fields(node)
        item = node.get(SDO + "itemReviewed", [{}])[0]
        if SDO + "Claim" not in item.get("@type", []):
            fail(f"review {review['seq']}: itemReviewed is not a Claim")
        if review.get("claim"):
            if item.get("@id") != f"urn:provdb:claim:{review['claim']}":
                fail(f"review {review['seq']}: itemReviewed is not claim {review['claim']}")
            continue
        markup = review.get("markup")
        if not markup:
            fail(f"review {review['seq']} has neither a claim nor markup")
        document = None
        for candidate in markups.values():
            try:
                resolve_pointer(candidate, markup["pointer"])
            except (KeyError, IndexError, ValueError, TypeError):
                continue
            document = candidate
            node_found = resolve_pointer(candidate, markup["pointer"])
            if "ClaimReview" in json.dumps(node_found.get("@type", "")) or "/claimReview/" in markup["pointer"]:
                break
            document = None
        if document is None:
            fail(f"review {review['seq']}: pointer {markup['pointer']} found in no markup file given")
        original = resolve_pointer(document, markup["pointer"])
        if "/claimReview/" in markup["pointer"]:
            parent = resolve_pointer(document, markup["pointer"].rsplit("/claimReview/", 1)[0])
            want = api_fields(parent, original)
        else:
            block = dict(original)
            if "@context" not in block:
                block["@context"] = context_of(document, markup["pointer"])
            found = []
            walk(expand(block, loader), found)
            if len(found) != 1:
                fail(f"review {review['seq']}: the original block expands to {len(found)} ClaimReviews")
            want = fields(found[0])
        for key, value in want.items():
            if value in (None, [], (None, None, None, None)):
                if got[key] not in (None, [], (None, None, None, None)):
                    fail(f"review {review['seq']} ({markup['pointer']}): {key} is {got[key]!r} in the export but absent from the markup")
                continue
            if got[key] != value:
                fail(f"review {review['seq']} ({markup['pointer']}): {key} is {got[key]!r} in the export, {value!r} in the markup")
        compared += 1
    print(f"claimreview: {len(claims)} claims one node each, {len(reviews)} ClaimReviews, {compared} compared field by field with their markup")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Checks provdb's XPath hints with an independent WHATWG HTML parser.

Reads JSON from the file given: a list of {"page": PATH, "encoding": NAME,
"xpath": XPATH, "exact": TEXT}. Each page is parsed by html5lib (a separate
implementation of the WHATWG parsing algorithm) into an lxml tree; the hint
must name exactly one element, and that element's text, white space aside,
must contain the quote's. Prints how many held and exits 1 if any did not.

    python3 scripts/check_xpath_hints.py hints.json
"""
import json
import sys

import html5lib


def squeeze(text):
    return "".join(text.split())


def main():
    hints = json.load(open(sys.argv[1], encoding="utf-8"))
    trees = {}
    failed = []
    for hint in hints:
        key = (hint["page"], hint["encoding"])
        if key not in trees:
            with open(hint["page"], "rb") as page:
                trees[key] = html5lib.parse(
                    page.read(),
                    treebuilder="lxml",
                    namespaceHTMLElements=False,
                    override_encoding=hint["encoding"],
                )
        found = trees[key].xpath(hint["xpath"])
        if len(found) != 1:
            failed.append(f"{hint['page']}: {hint['xpath']} names {len(found)} elements")
            continue
        held = squeeze("".join(found[0].itertext()))
        if squeeze(hint["exact"]) not in held:
            failed.append(f"{hint['page']}: {hint['xpath']} does not hold {hint['exact'][:60]!r}")
    pages = len({hint["page"] for hint in hints})
    print(f"xpath hints: {len(hints) - len(failed)} of {len(hints)} on {pages} pages hold in html5lib's tree")
    for line in failed[:20]:
        print("  " + line)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

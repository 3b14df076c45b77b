#!/usr/bin/env python3
"""The reference for HTML text extraction throughput: Python's html.parser,
collecting the text outside script, style, template and noscript, as a
plain text extraction does. Prints nothing but a count.

    python3 scripts/ref_html_text.py FILE...
"""
import sys
from html.parser import HTMLParser

SKIP = {"script", "style", "template", "noscript"}


class Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag in SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


total = 0
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        raw = f.read()
    parser = Text()
    parser.feed(raw.decode("utf-8", errors="replace"))
    parser.close()
    total += len(" ".join(" ".join(parser.parts).split()))
print(total, file=sys.stderr)

#!/usr/bin/env python3
"""Generates warden-core's trimmed confusables table from Unicode's confusables.txt.

Keeps only the mappings the injection and homoglyph checks need: a single non-ASCII code point
whose prototype (skeleton) is a run of ASCII letters or digits. Usage:
    gen_confusables.py path/to/confusables.txt > .../unicode/confusables-ascii.txt
confusables.txt is Unicode data under the Unicode License v3, which permits redistribution of
derived data files with the copyright and permission notice, reproduced in the output header.
"""
import sys

src = sys.argv[1]
header = []
rows = []
with open(src, encoding="utf-8-sig") as f:
    for line in f:
        if line.startswith("#") and not rows and len(header) < 9:
            header.append(line.rstrip("\n"))
            continue
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        source, target, _ = [p.strip() for p in line.split(";")]
        if " " in source:
            continue
        cp = int(source, 16)
        if cp < 0x80:
            continue
        chars = "".join(chr(int(t, 16)) for t in target.split())
        if chars.isascii() and chars.isalnum():
            rows.append((cp, chars))
print("# Trimmed from Unicode confusables.txt by warden-core/src/build/gen_confusables.py:")
print("# non-ASCII code point -> ASCII letters/digits skeleton.")
for h in header:
    print(h)
print("# Unicode License v3: https://www.unicode.org/license.txt")
for cp, chars in sorted(rows):
    print(f"{cp:04X} {chars}")

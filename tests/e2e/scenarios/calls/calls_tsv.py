#!/usr/bin/env python3
"""calls_tsv.py - turns `sipwhy calls --format json` (JSON Lines) into a TSV for the
calls_*.sh tests, so that POSIX sh + awk can check it.

usage: calls_tsv.py FILE [FIELD...]
Prints a header line, then one line per call with the given fields (default: index
call_id kind state final_code ongoing messages to_user conversation legs linked_to link).
null prints as "-", booleans as true/false, numbers as JSON writes them. Fails (exit 1,
message on stderr) on a line that is not a JSON object or lacks a field: a malformed
output is a sipwhy bug the tests must see.
"""
import json
import sys

DEFAULT = ["index", "call_id", "kind", "state", "final_code", "ongoing", "messages",
           "to_user", "conversation", "legs", "linked_to", "link"]


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: calls_tsv.py FILE [FIELD...]")
    fields = sys.argv[2:] or DEFAULT
    print("\t".join(fields))
    with open(sys.argv[1], encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                sys.exit("line %d: not JSON (%s): %s" % (n, e, line[:200]))
            if not isinstance(obj, dict):
                sys.exit("line %d: not a JSON object" % n)
            missing = [k for k in fields if k not in obj]
            if missing:
                sys.exit("line %d: no field %s" % (n, ", ".join(missing)))
            print("\t".join(fmt(obj[k]).replace("\t", " ") for k in fields))


main()

#!/usr/bin/env python3
"""findings.py JSON: the findings of `sipwhy -f json` as TSV lines, one per finding:
id, severity, evidence message numbers (sorted, comma-separated), more_evidence.
The diag_*.sh tests compare these lines with what the scenario must produce."""
import json
import sys

d = json.load(open(sys.argv[1]))
if "findings" not in d or "summary" not in d:
    sys.exit("findings.py: no 'summary' or 'findings' key in %s" % sys.argv[1])
for f in d["findings"]:
    for k in ("id", "severity", "title", "cause", "impact", "advice", "evidence"):
        if k not in f:
            sys.exit("findings.py: a finding lacks '%s': %r" % (k, f))
    ev = sorted(int(e["number"]) for e in f["evidence"])
    print("%s\t%s\t%s\t%s" % (f["id"], f["severity"], ",".join(map(str, ev)) or "-",
                              f.get("more_evidence", 0) or 0))

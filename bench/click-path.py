#!/usr/bin/env python3
"""Which Tether files one steady-state click runs: the lines whose hit count grows from the CLICKS=a run to the
CLICKS=b run. Prints each file with how many of its lines ran and which methods, then the folder count. Coverage
gives no call order, so it counts files and folders, not crossings."""
import json, os, sys
a, b, fa, fb = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
def lines(path):
    out = {}
    for module in json.load(open(path)).values():
        for file, classes in module.items():
            for cls in classes.values():
                for method, data in cls.items():
                    for line, hits in data["Lines"].items():
                        out[(file, method, int(line))] = hits
    return out
la, lb = lines(fa), lines(fb)
files, methods = {}, {}
for key, hits in lb.items():
    delta = hits - la.get(key, 0)
    if delta > 0:
        if "/obj/" in key[0]:
            continue  # generated code (LoggerMessage), counted with the file that declares it
        f = key[0].split("/src/Tether/")[-1]
        files[f] = files.get(f, 0) + 1
        methods.setdefault(f, set()).add(key[1].split("::")[-1])
for f in sorted(files):
    print(f"{f}\t{files[f]} lines\t" + ", ".join(sorted(m.split("(")[0] for m in methods[f]))[:300])
folders = sorted({os.path.dirname(f) or "." for f in files})
print(f"\n{len(files)} files in {len(folders)} folders: {', '.join(folders)}")

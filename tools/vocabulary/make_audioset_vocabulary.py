"""Writes the `audioset` vocabulary: the class names of the AudioSet ontology that are neither abstract nor
blacklisted, one per line, in ontology order.
usage: python3 tools/vocabulary/make_audioset_vocabulary.py ONTOLOGY_JSON OUT_TXT
(ONTOLOGY_JSON: ontology.json from github.com/audioset/ontology, CC BY-SA 4.0.)"""
import json, sys

ontology = json.load(open(sys.argv[1], encoding="utf-8"))
names = [c["name"].strip() for c in ontology if not c["restrictions"]]
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("".join(n + "\n" for n in names))
print(len(names), "names")

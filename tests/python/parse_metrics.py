"""Parses Prometheus text (stdin) with the official Python client's parser and prints
what it understood as JSON: {family: {"type": ..., "samples": [[name, labels, value]]}}.
A text the parser refuses makes it raise (non-zero exit, the error on stderr)."""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    families[family.name] = {
        "type": family.type,
        "help": family.documentation,
        "samples": [[s.name, s.labels, s.value] for s in family.samples],
    }
json.dump(families, sys.stdout)

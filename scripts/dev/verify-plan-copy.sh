#!/usr/bin/env bash
# Developer-side check (not part of the product): the plan copy in geodata/ is identical
# to the shared reference text, so the catalog's verbatim quotes are checked against the real plan.
set -euo pipefail
shared="${1:-../shared/plan/lianzhou-14th-five-year-plan.txt}"
cmp "$shared" geodata/plan/lianzhou-14th-five-year-plan.txt && echo "geodata/plan matches $shared"

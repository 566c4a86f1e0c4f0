# SPDX-License-Identifier: MIT
# Sourced by the integration test scripts: named checks that count, and JSON reading.
#   check NAME 'SHELL CONDITION'   prints "ok   NAME" or "FAIL NAME" and counts it
#   jget FILE 'PYTHON EXPRESSION'  evaluates it with d = the JSON in FILE (python3 is a test
#                                  dependency; no jq)
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$1" "$2"; }

#!/usr/bin/env bash
# Run the test suite against the local stack. pytest's exit status 5 means "no tests
# were collected"; that is a broken suite, not a pass, so it is reported as a failure.
#   pytest.sh [pytest args...]
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_uv
# The stack's settings are not exported here: the tests find the stack at its fixed
# addresses and read .data/secrets/jwt_secret themselves, and unit tests must see the
# settings' own defaults.

cd "$ROOT"
rc=0
uv run --frozen pytest "$@" || rc=$?
if ((rc == 5)); then
	warn "pytest collected no tests: failing"
	exit 1
fi
exit "$rc"

#!/usr/bin/env bash
# Stop the stack and delete its state: databases, Kafka data, logs and pid files.
# Kept: .data/secrets (so tokens already handed out stay valid) and .cache (downloads
# and builds, which are expensive and hold no state).
#   reset.sh [--yes]   asks for confirmation on a terminal unless --yes
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ ${1:-} != --yes && -t 0 ]]; then
	read -r -p "Delete all local data in $DATA (except secrets)? [y/N] " answer
	[[ $answer == [yY]* ]] || exit 1
fi

"$LOCAL_DIR/down.sh"
shopt -s dotglob nullglob
for entry in "$DATA"/*; do
	[[ $entry == "$SECRETS" ]] && continue
	rm -rf -- "$entry"
done
echo "local data removed (kept .data/secrets and .cache)"

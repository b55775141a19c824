#!/bin/sh
# environment.sh - failures that are the environment's, not the input's: a
# device as --out, a read-only directory, a database locked by another
# process, a file-size limit hit while writing. Each exits 1 with SQLite's
# reason in one message, leaves earlier runs intact and no journal behind.
. "$(dirname "$0")/lib.sh"
SC="$KS_SRCDIR/tests/data/harden/base.yaml"

# --out /dev/null: refused before SQLite touches it (no /dev/null-journal).
ls /dev/null-* >/dev/null 2>&1 && rm -f /dev/null-journal /dev/null-wal /dev/null-shm 2>/dev/null
"$KUBESIM" run "$SC" --out /dev/null -q 2>"$TMP/err"
check_eq "/dev/null: exit status" $? 1
check_contains "/dev/null: reason" "$(cat "$TMP/err")" "/dev/null: not a regular file"
check_eq "/dev/null: one line" "$(wc -l <"$TMP/err" | tr -d ' ')" 1
if ls /dev/null-* >/dev/null 2>&1; then fail "/dev/null: journal left behind"; else pass; fi

# A database with one good run, kept through every failure below.
db="$TMP/keep.db"
"$KUBESIM" run "$SC" --out "$db" -q
check_eq "first run" $? 0
runs_ok() { q "$db" "SELECT COUNT(*) FROM runs WHERE status = 'ok'"; }
rows1=$(q "$db" "SELECT COUNT(*) FROM service_intervals WHERE run_id = 1")

# Locked: another process holds the write lock; KUBESIM_BUSY_TIMEOUT=1 waits 1 s.
(printf 'BEGIN IMMEDIATE;\nINSERT INTO runs (scenario, seed, status, started_at, version) VALUES (%s, 1, %s, %s, %s);\n' \
	"'lock'" "'running'" "'t'" "'v'"; sleep 4) | sqlite3 "$db" &
holder=$!
sleep 1
KUBESIM_BUSY_TIMEOUT=1 "$KUBESIM" run "$SC" --out "$db" -q 2>"$TMP/err"
check_eq "locked: exit status" $? 1
check_contains "locked: SQLite's reason" "$(cat "$TMP/err")" "database is locked"
check_eq "locked: one line" "$(wc -l <"$TMP/err" | tr -d ' ')" 1
wait $holder
check_eq "locked: earlier run intact" "$(runs_ok)" 1
check_eq "locked: its rows intact" "$(q "$db" "SELECT COUNT(*) FROM service_intervals WHERE run_id = 1")" "$rows1"
check_eq "locked: no other run" "$(q "$db" "SELECT COUNT(*) FROM runs")" 1

# Read-only: a directory the writer cannot write. Root ignores permissions,
# so as root the run is made as nobody (skipped when that is not possible).
ro=$(mktemp -d /tmp/kubesim-ro.XXXXXX)
cp "$db" "$ro/keep.db"
chmod 755 "$ro"; chmod 444 "$ro/keep.db"; chmod 555 "$ro"
as_user() { sh -c "$1"; }
if [ "$(id -u)" -eq 0 ]; then
	if su nobody -s /bin/sh -c true 2>/dev/null; then
		as_user() { su nobody -s /bin/sh -c "$1"; }
	else
		as_user() { return 77; }
	fi
fi
as_user "'$KUBESIM' run '$SC' --out '$ro/new.db' -q 2>'$ro.err1'; echo \$? >'$ro.rc1'; \
	'$KUBESIM' run '$SC' --out '$ro/keep.db' -q 2>'$ro.err2'; echo \$? >'$ro.rc2'"
if [ -f "$ro.rc1" ]; then
	check_eq "read-only dir: exit status" "$(cat "$ro.rc1")" 1
	check_contains "read-only dir: reason" "$(cat "$ro.err1")" "unable to open database file"
	check_eq "read-only db: exit status" "$(cat "$ro.rc2")" 1
	check_contains "read-only db: reason" "$(cat "$ro.err2")" "readonly database"
	[ -e "$ro/new.db" ] && fail "read-only dir: file created" || pass
	check_eq "read-only db: run intact" "$(q "$ro/keep.db" "SELECT COUNT(*) FROM runs WHERE status = 'ok'")" 1
else
	echo "note: read-only checks skipped (cannot drop root)"
fi
chmod 755 "$ro"; rm -rf "$ro" "$ro".*

# Full: a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes writes fail
# mid-run like a full disk. The run is marked failed with one message.
sed 's/^duration: 10m/duration: 240h/' "$SC" >"$TMP/long.yaml"
sh -c "trap '' XFSZ; ulimit -f 200; exec '$KUBESIM' run '$TMP/long.yaml' --out '$db' -q" 2>"$TMP/err"
check_eq "full: exit status" $? 1
check_eq "full: one line" "$(wc -l <"$TMP/err" | tr -d ' ')" 1
check_contains "full: names the run" "$(cat "$TMP/err")" "kubesim: run 2 failed: $db:"
check_contains "full: failed mid-run" "$(cat "$TMP/err")" "committing results: "
err=$(q "$db" "SELECT error FROM runs WHERE run_id = 2")
check_eq "full: run marked failed" "$(q "$db" "SELECT status FROM runs WHERE run_id = 2")" failed
check_contains "full: error stored" "$err" "$db: "
# the stored message is SQLite's reason once, not twice, and printable
n=$(printf '%s' "$err" | grep -o "$db: " | wc -l | tr -d ' ')
check_eq "full: message stored once" "$n" 1
check_contains "full: printed as stored" "$(cat "$TMP/err")" "$err"
check_eq "full: earlier run intact" "$(runs_ok)" 1
check_eq "full: its rows intact" "$(q "$db" "SELECT COUNT(*) FROM service_intervals WHERE run_id = 1")" "$rows1"
finish

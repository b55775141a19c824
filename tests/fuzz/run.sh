#!/bin/sh
# run.sh - builds kubesim's libFuzzer targets with clang under ASan + UBSan
# and runs each for FUZZ_SECONDS (make fuzz). Called by Makefile.am with
#   run.sh SRCDIR BUILDDIR 'LIBS' SOURCES...
# (SOURCES: the libraries' files, .c kept). Objects go to BUILDDIR/_fuzz/;
# each target's corpus starts from tests/fuzz/seeds/TARGET/ and grows in
# _fuzz/corpus/TARGET/. Exits 1 on any finding (crash, leak, timeout,
# sanitizer report), saving the input as _fuzz/findings/TARGET-*.
# Environment: CLANG (default clang), FUZZ_SECONDS (default 30 per target),
# FUZZ_TARGETS (default all), FUZZ_JOBS (default 2, parallel compiles).
set -eu
src=$(cd "$1" && pwd); build=$(cd "$2" && pwd); libs=$3; shift 3
CLANG=${CLANG:-clang}
secs=${FUZZ_SECONDS:-30}
targets=${FUZZ_TARGETS:-"scenario manifest values trace sched_config hpa_case"}
out=$build/_fuzz
mkdir -p "$out/obj" "$out/corpus" "$out/findings" "$out/tmp"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CFLAGS="-std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 $SAN \
	-I$src -I$build $(pkg-config --cflags gsl sqlite3 yaml-0.1)"

command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG not found: install the Debian package clang" >&2; exit 1; }

# The libraries' sources, with coverage for the fuzzer (not its main). A
# header newer than the last build rebuilds everything (objects only track
# their own .c).
if [ ! -f "$out/obj/.stamp" ] || [ -n "$(find "$src" "$build" -name '*.h' \
    -newer "$out/obj/.stamp" -not -path '*/_fuzz/*' 2>/dev/null | head -1)" ]; then
	rm -f "$out"/obj/*.o
fi
objs=""
pids=""
n=0
for f in "$@" reports/schema_sql.c; do
	case $f in *.c) ;; *) continue ;; esac
	case $f in sim/main.c|sim/cmd_*.c|sim/opts.c|sim/build.c) continue ;; esac
	s=$src/$f
	[ -f "$s" ] || s=$build/$f
	o=$out/obj/$(echo "$f" | tr / _ | sed 's/\.c$/.o/')
	objs="$objs $o"
	if [ ! -f "$o" ] || [ "$s" -nt "$o" ]; then
		$CLANG $CFLAGS -fsanitize=fuzzer-no-link -c "$s" -o "$o" &
		pids="$pids $!"
		n=$((n + 1))
		if [ $n -ge "${FUZZ_JOBS:-2}" ]; then
			for p in $pids; do wait "$p"; done
			pids=""; n=0
		fi
	fi
done
for p in $pids; do wait "$p"; done
touch "$out/obj/.stamp"

status=0
summary=""
for t in $targets; do
	bin=$out/fuzz_$t
	$CLANG $CFLAGS -fsanitize=fuzzer "$src/tests/fuzz/fuzz_$t.c" $objs $libs -o "$bin"
	mkdir -p "$out/corpus/$t"
	log=$out/fuzz_$t.log
	# -timeout: one input running 10 s is a hang; rss: 2 GB is a blow-up.
	if (cd "$out/findings" && TMPDIR=$out/tmp ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" \
	    -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="$out/findings/$t-" "$out/corpus/$t" "$src/tests/fuzz/seeds/$t") \
	    >"$log" 2>&1; then
		r=0
	else
		r=$?
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ $r -ne 0 ]; then
		status=1
		echo "fuzz_$t: FINDING after ${execs:-?} executions (exit $r); see $log:" >&2
		grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error)" "$log" | head -5 >&2
		ls "$out/findings/$t-"* 2>/dev/null | head -3 >&2
	fi
	summary="$summary
fuzz_$t: ${execs:-0} executions in ${secs} s, $([ $r -eq 0 ] && echo 0 || echo 1) findings"
done
echo "$summary" | sed '/^$/d'
rm -rf "$out/tmp"/kubesim-fuzz.* 2>/dev/null || true
exit $status

#!/bin/sh
# report.sh - `kubesim report`: a day of the ecommerce scenario at 1-minute
# intervals reported in under 5 s; the page opened in headless Chromium,
# where every plot image must have loaded and be non-trivial (a share of
# non-white pixels drawn on a canvas); a screenshot kept as the test artifact
# tests/report-screenshot.png; without gnuplot, the data files and scripts and
# the line saying how to get plots (and the scripts do make the plots); bad
# arguments exit 2.
. "$(dirname "$0")/lib.sh"

db="$TMP/r.db"
"$KUBESIM" run "$KS_SRCDIR/scenarios/ecommerce.yaml" --out "$db" -q
check_eq "run status" $? 0
command -v gnuplot >/dev/null || fail "gnuplot is not installed (setup.sh installs gnuplot-nox)"
command -v chromium >/dev/null || fail "chromium is not installed (setup.sh installs it)"

t0=$(date +%s%N)
"$KUBESIM" report "$db" --out "$TMP/rep" >"$TMP/out"; check_eq "report status" $? 0
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_range "report of a day at 1-min intervals, ms" "$ms" 0 5000
check_eq "pages" "$(ls "$TMP/rep" | grep -c '\.html$')" 2
check_eq "plots" "$(ls "$TMP/rep/run-1" | grep -c '\.svg$')" 5
check_contains "summary table" "$(cat "$TMP/rep/run-1.html")" "<th>minutes out of SLO</th>"
check_contains "index links the run" "$(cat "$TMP/rep/index.html")" 'href="run-1.html"'
check_eq "plots inlined" "$(grep -c 'src="data:image/svg+xml;base64,' "$TMP/rep/run-1.html")" 5
# Marks: the node failure at 3 h (red) is in every plot's script.
check_contains "failure marked" "$(cat "$TMP/rep/run-1/plots.gp")" "set arrow from 3.000000, graph 0"
# A rollout is marked in blue (tests/data/rollouts.yaml rolls out web at 10 min).
rdb="$TMP/ro.db"
"$KUBESIM" run "$KS_SRCDIR/tests/data/rollouts.yaml" --out "$rdb" -q >/dev/null
"$KUBESIM" report "$rdb" --out "$TMP/ro" >/dev/null
check_contains "rollout marked" "$(cat "$TMP/ro/run-1/plots.gp")" "lc rgb '#1f77b4'"

# Headless Chromium: every image complete, sized, and with > 2 % non-white pixels.
sed 's|</body></html>||' "$TMP/rep/run-1.html" > "$TMP/rep/check.html"
cat >> "$TMP/rep/check.html" <<'JS'
<pre id="result"></pre><script>
window.addEventListener('load', function () {
  var out = [];
  for (var i = 0; i < document.images.length; i++) {
    var im = document.images[i], c = document.createElement('canvas');
    c.width = im.naturalWidth; c.height = im.naturalHeight;
    var ink = -1;
    if (im.complete && im.naturalWidth > 0) {
      var g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
      g.drawImage(im, 0, 0);
      var d = g.getImageData(0, 0, c.width, c.height).data, n = 0;
      for (var k = 0; k < d.length; k += 4) if (d[k] < 240 || d[k+1] < 240 || d[k+2] < 240) n++;
      ink = n / (c.width * c.height);
    }
    out.push('img ' + i + ' ' + im.complete + ' ' + im.naturalWidth + 'x' + im.naturalHeight + ' ' + ink.toFixed(4));
  }
  document.getElementById('result').textContent = 'IMAGES ' + document.images.length + '\n' + out.join('\n') + '\nEND';
});
</script></body></html>
JS
CHROME="chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=$TMP/chrome"
timeout 120 $CHROME --virtual-time-budget=10000 --dump-dom "file://$TMP/rep/check.html" \
	>"$TMP/dom.html" 2>"$TMP/chrome.log"
res=$(sed -n '/IMAGES/,/END/p' "$TMP/dom.html")
check_contains "chromium ran the check" "$res" "IMAGES 5"
check_eq "images loaded and non-trivial" "$(printf '%s\n' "$res" | awk '/^img / {
  split($4, wh, "x"); if ($3 == "true" && wh[1] >= 500 && wh[2] >= 200 && $5 > 0.02) n++ } END { print n + 0 }')" 5
shot="$KS_BUILDDIR/tests/report-screenshot.png"
rm -f "$shot"
timeout 120 $CHROME --window-size=1200,2200 --screenshot="$shot" "file://$TMP/rep/run-1.html" \
	>/dev/null 2>>"$TMP/chrome.log"
check_range "screenshot bytes" "$(wc -c < "$shot" 2>/dev/null || echo 0)" 20000 100000000

# Without gnuplot: data and scripts, and how to get plots.
out=$(KUBESIM_GNUPLOT=none "$KUBESIM" report "$db" --run 1 --out "$TMP/nogp")
check_eq "no-gnuplot status" $? 0
check_contains "no-gnuplot line" "$out" "apt-get install gnuplot-nox"
check_contains "no-gnuplot page" "$(cat "$TMP/nogp/run-1.html")" 'id="noplots"'
check_eq "no plots written" "$(ls "$TMP/nogp/run-1" | grep -c '\.svg$')" 0
check_eq "data files" "$(ls "$TMP/nogp/run-1" | grep -c '\.tsv$')" 3
(cd "$TMP/nogp/run-1" && gnuplot plots.gp); check_eq "the script makes the plots" $? 0
check_eq "plots from the script" "$(ls "$TMP/nogp/run-1" | grep -c '\.svg$')" 5

# A run without rows (its process died at once) still gets a page.
sqlite3 "$db" "INSERT INTO runs (scenario, seed, status) VALUES ('empty', 1, 'running')"
"$KUBESIM" report "$db" --run 2 --out "$TMP/empty" >/dev/null; check_eq "empty run status" $? 0
check_eq "empty run plots" "$(ls "$TMP/empty/run-2" | grep -c '\.svg$')" 5
KUBESIM_GNUPLOT=none "$KUBESIM" report "$db" --png --out "$TMP/png" >/dev/null
check_contains "png terminal" "$(cat "$TMP/png/run-1/plots.gp")" "set terminal pngcairo"
"$KUBESIM" report "$db" --run x 2>"$TMP/err"; check_eq "bad --run status" $? 2
"$KUBESIM" report "$db" --run 9 --out "$TMP/r7" 2>"$TMP/err"; check_eq "no such run status" $? 2
check_contains "no such run message" "$(cat "$TMP/err")" "no run 9"
"$KUBESIM" report "$TMP/none.db" 2>"$TMP/err"; check_eq "missing DB status" $? 2
"$KUBESIM" report 2>/dev/null; check_eq "no DB status" $? 2
finish

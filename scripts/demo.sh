#!/usr/bin/env bash
# The main job, end to end, in a throwaway library (demo-library/, recreated on every run):
# fetch papers, read and take notes, search papers and notes, the log and the weekly recap,
# exports, and the grokking replication with its check against the paper.
#   DEMO_QUICK=1 make demo   uses the replication's smoke config (seconds instead of minutes)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEMO="${DEMO_DIR:-$ROOT/demo-library}"
export PAPERLAB_HOME="$DEMO" COLUMNS="${COLUMNS:-110}"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }

rm -rf "$DEMO"
step "A new library"
show paperlab init "$DEMO"

PAPERS=(2201.02177 1706.03762 1502.03167)
step "Fetch papers from arXiv"
if python - <<'PY'
import socket, sys
try:
    socket.create_connection(("export.arxiv.org", 443), timeout=3).close()
except OSError:
    sys.exit(1)
PY
then
  ARXIV_OK=1
  show paperlab fetch "${PAPERS[@]}"
else
  echo "arXiv cannot be reached from this machine: continuing with the sample papers paperlab generates"
  echo "(same ids and titles, short texts; fetch them for real later with 'paperlab fetch --update ID')."
  python -m paperlab.samples "$DEMO/.samples" >/dev/null
  for id in "${PAPERS[@]}"; do show paperlab add "$DEMO/.samples/$id.pdf" --no-lookup; done
fi

step "Other things you learn from: a book, a podcast"
show paperlab add https://www.deeplearningbook.org --title "Deep Learning" --type book --tag textbook
show paperlab add https://www.dwarkeshpatel.com/ --title "Dwarkesh Podcast: scaling" --type podcast

step "Backdating: the book was finished last summer"
show paperlab status deep-learning read --date 2020-07-02
show paperlab rate deep-learning 10 --date 2020-07-02

step "Bring an old reading log in (its Markdown table and notes; nothing already here is duplicated)"
show paperlab import markdown "$ROOT/tests/fixtures/old-log/reading-log.md" --dry-run
show paperlab import markdown "$ROOT/tests/fixtures/old-log/reading-log.md"
show paperlab week --date 2020-07-05

step "Reading: status, rating, tags, notes"
show paperlab status 2201.02177 read
show paperlab rate 2201.02177 9
show paperlab tag 2201.02177 +generalization +transformers
show paperlab note 2201.02177 --summary "Small transformers on modular arithmetic first memorise, then generalise long after." \
  --learned "Weight decay is what makes grokking happen quickly" --learned "Track validation accuracy for far longer than feels necessary"
show paperlab note 2201.02177 -m "Backprop through a 2-layer transformer is enough to see the effect on a laptop CPU."
show paperlab status 1502.03167 reading
show paperlab note 1502.03167 -m "Normalising activations keeps gradients sane during backprop."

step "Search papers and notes (hybrid: FTS5 keywords + MiniLM vectors, fused)"
show paperlab search "backprop" -k 5
show paperlab search "why does validation accuracy improve long after overfitting" -k 3
show paperlab search "weight decay" --notes
show paperlab similar 2201.02177

step "The reading log"
show paperlab log
show paperlab show 2201.02177

step "Exports and the weekly recap"
show paperlab export markdown -o "$DEMO/reading-log.md"
head -12 "$DEMO/reading-log.md"
show paperlab export bibtex -o "$DEMO/papers.bib"
head -12 "$DEMO/papers.bib"
show paperlab week

step "Your feed: new arXiv papers ranked from what you read, rated and tagged"
if [ "${ARXIV_OK:-0}" = "1" ]; then
  show paperlab feed pull --category cs.LG --since yesterday
else
  echo "arXiv cannot be reached: a local stand-in lists a dozen invented papers (scripts/demo_arxiv.py)."
  coproc DEMO_ARXIV { python "$ROOT/scripts/demo_arxiv.py"; }
  read -r api <&"${DEMO_ARXIV[0]}"
  trap 'kill "$DEMO_ARXIV_PID" 2>/dev/null || true' EXIT
  export PAPERLAB_ARXIV_API_URL="$api" PAPERLAB_ARXIV_DELAY=0
  show paperlab feed pull --category cs.LG --category cs.CL --category cs.CV --category cs.RO --category cs.SD \
    --since "$(date -u -d '5 days ago' +%F)"
fi
show paperlab feed -k 5
top=$(paperlab feed --json -k 2 | python -c "import json, sys; print(' '.join(r['id'] for r in json.load(sys.stdin)))")
show paperlab feed add "${top%% *}" --no-pdf --tag generalization
show paperlab feed no "${top##* }"
show paperlab feed --tag generalization -k 3
show paperlab feed --markdown -k 3
if [ "${ARXIV_OK:-0}" != "1" ]; then
  unset PAPERLAB_ARXIV_API_URL PAPERLAB_ARXIV_DELAY
fi

step "Replicate: the grokking paper, checked against its reported numbers"
cp -r "$ROOT/replications/2201.02177" "$DEMO/replications/2201.02177"
rm -rf "$DEMO/replications/2201.02177/runs" "$DEMO/replications/2201.02177/report.md" "$DEMO/replications/2201.02177/"*.png
show paperlab replicate scaffold 2201.02177 --force
show paperlab replicate gaps 2201.02177
show paperlab replicate claims show 2201.02177
show paperlab replicate claims suggest 2201.02177
if [ "${DEMO_QUICK:-0}" = "1" ]; then
  show paperlab replicate run 2201.02177 --config smoke
else
  show paperlab replicate run 2201.02177 --config default
fi
set +e
show paperlab replicate check 2201.02177 --explain
check_status=$?
set -e
echo "(replicate check exit code: $check_status; 0 means reproduced: every claim matched on every seed run)"
show paperlab replicate report 2201.02177
show paperlab replicate list
show paperlab week

step "Done"
echo "The demo library is in $DEMO: papers/, notes, paperlab.db, index/, replications/2201.02177/report.md"
echo "See it in a browser: .venv/bin/paperlab --home \"$DEMO\" serve   (then open http://127.0.0.1:8000/)"

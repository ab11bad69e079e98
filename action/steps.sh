#!/usr/bin/env bash
# The shell steps of the snbench GitHub Action (action.yml at the
# repository root). Each step is one function; action.yml calls
#   steps.sh STEP
# and cmd/snbench's TestActionSteps runs the same steps against a fake
# GitHub (an event file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, a
# stub of the comments API), so a broken step fails there first.
#
# Inputs arrive as INPUT_* variables (set in action.yml); GitHub's own
# variables (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_SHA, ...) as on
# any runner.
set -euo pipefail

work="${RUNNER_TEMP:?}/snbench-action"
snbench="$work/bin/snbench"
marker='<!-- snbench-action -->'

# build: snbench from the action's own checkout, so the action needs
# nothing but the Go module proxy.
step_build() {
  mkdir -p "$work/bin"
  go build -C "${GITHUB_ACTION_PATH:?}" -trimpath -o "$snbench" ./cmd/snbench
  "$snbench" --version >/dev/null 2>&1 || "$snbench" --help >/dev/null
}

# measure_tree DIR OUT: one round of the benchmark in DIR, appended to OUT.
measure_tree() {
  local dir=$1 out=$2
  if [ -n "${INPUT_BENCH:-}" ]; then
    (cd "$dir" && bash -euo pipefail -c "$INPUT_BENCH") >> "$out"
  else
    (cd "$dir" && go run ./cmd/snbench run ${INPUT_SNBENCH_RUN:?} --format gobench --progress off -o "$work/run-tmp") >> "$out"
  fi
}

check_inputs() {
  if [ -z "${INPUT_BENCH:-}" ] && [ -z "${INPUT_SNBENCH_RUN:-}" ]; then
    echo "snbench-action: set the bench input (a go test -bench command) or snbench-run (snbench run flags)" >&2
    exit 2
  fi
  case "${INPUT_ROUNDS:-}" in ''|*[!0-9]*|0) echo "snbench-action: rounds: want a positive number, got '${INPUT_ROUNDS:-}'" >&2; exit 2 ;; esac
}

# pr-measure: base and head in interleaved rounds (ABBA order), so a
# change of runner load hits both sides alike.
step_pr_measure() {
  check_inputs
  local base_sha
  base_sha=$(jq -r '.pull_request.base.sha // empty' "${GITHUB_EVENT_PATH:?}")
  if [ -z "$base_sha" ]; then
    echo "snbench-action: the event has no pull_request.base.sha" >&2
    exit 2
  fi
  rm -rf "$work/base" "$work/old.txt" "$work/new.txt"
  # actions/checkout fetches one commit by default: fetch the base if it is missing.
  git cat-file -e "$base_sha^{commit}" 2>/dev/null || git fetch -q --no-tags --depth=1 origin "$base_sha"
  git worktree add --detach "$work/base" "$base_sha" >/dev/null
  : > "$work/old.txt"
  : > "$work/new.txt"
  for r in $(seq 1 "$INPUT_ROUNDS"); do
    echo "snbench-action: round $r of $INPUT_ROUNDS"
    if [ $((r % 2)) -eq 1 ]; then
      measure_tree "$work/base" "$work/old.txt"
      measure_tree . "$work/new.txt"
    else
      measure_tree . "$work/new.txt"
      measure_tree "$work/base" "$work/old.txt"
    fi
  done
  git worktree remove --force "$work/base"
  echo "old=$work/old.txt" >> "$GITHUB_OUTPUT"
  echo "new=$work/new.txt" >> "$GITHUB_OUTPUT"
}

# pr-report: the comparison to the job summary and one sticky comment;
# the verdict goes to the outputs (pr-verdict fails the job on it).
step_pr_report() {
  local status=0
  # shellcheck disable=SC2086 # compare-flags are words
  "$snbench" compare ${INPUT_COMPARE_FLAGS:-} --format markdown "$work/old.txt" "$work/new.txt" > "$work/compare.md" || status=$?
  if [ "$status" -ge 2 ]; then
    echo "snbench-action: snbench compare failed (exit $status)" >&2
    exit "$status"
  fi
  {
    echo "$marker"
    echo "## snbench: ${GITHUB_HEAD_REF:-head} vs ${GITHUB_BASE_REF:-base}"
    echo
    echo "Base and head measured in ${INPUT_ROUNDS} interleaved rounds on this runner."
    echo
    cat "$work/compare.md"
  } > "$work/comment.md"
  cat "$work/comment.md" >> "$GITHUB_STEP_SUMMARY"
  if [ "$status" -eq 1 ]; then
    echo "regression=true" >> "$GITHUB_OUTPUT"
  else
    echo "regression=false" >> "$GITHUB_OUTPUT"
  fi
  if [ "${INPUT_COMMENT:-true}" = true ]; then
    sticky_comment "$work/comment.md"
  fi
}

# sticky_comment FILE: creates the PR comment that carries the marker, or
# updates it: one comment per pull request, however often it runs.
sticky_comment() {
  local body=$1 pr api id
  pr=$(jq -r '.pull_request.number // empty' "$GITHUB_EVENT_PATH")
  api="${GITHUB_API_URL:-https://api.github.com}/repos/${GITHUB_REPOSITORY:?}"
  local auth=(-H "Authorization: Bearer ${INPUT_GITHUB_TOKEN:?}" -H "Accept: application/vnd.github+json")
  id=$(curl -fsS "${auth[@]}" "$api/issues/$pr/comments?per_page=100" |
    jq -r --arg m "$marker" '[.[] | select(.body | startswith($m))][0].id // empty')
  jq -n --rawfile b "$body" '{body: $b}' > "$work/comment.json"
  if [ -n "$id" ]; then
    curl -fsS "${auth[@]}" -X PATCH --data @"$work/comment.json" "$api/issues/comments/$id" > /dev/null
    echo "snbench-action: updated comment $id"
  else
    curl -fsS "${auth[@]}" -X POST --data @"$work/comment.json" "$api/issues/$pr/comments" > /dev/null
    echo "snbench-action: commented on #$pr"
  fi
}

# pr-verdict: fail the check on a significant regression.
step_pr_verdict() {
  if [ "${REGRESSION:-}" = true ] && [ "${INPUT_FAIL_ON_REGRESSION:-true}" = true ]; then
    echo "snbench-action: significant regression (see the job summary)" >&2
    exit 1
  fi
}

# main-history: measure this commit, append it to the history on the
# data branch, find its change points, chart them and push.
step_main_history() {
  check_inputs
  local branch=${INPUT_DATA_BRANCH:?} dir=${INPUT_DATA_DIR:?} data="$work/data"
  rm -rf "$data" "$work/new.txt"
  : > "$work/new.txt"
  for r in $(seq 1 "$INPUT_ROUNDS"); do
    echo "snbench-action: round $r of $INPUT_ROUNDS"
    measure_tree . "$work/new.txt"
  done
  for attempt in 1 2 3; do
    checkout_data "$branch" "$data"
    mkdir -p "$data/$dir"
    "$snbench" history append "$work/new.txt" --file "$data/$dir/history.jsonl" \
      --commit "${GITHUB_SHA:?}" --label "run ${GITHUB_RUN_ID:-local}"
    "$snbench" history plot --file "$data/$dir/history.jsonl" -o "$data/$dir/charts" | tee "$work/marks.txt"
    local status=0
    "$snbench" history changes --file "$data/$dir/history.jsonl" --format markdown > "$work/changes.md" 2> "$work/changes.err" || status=$?
    if [ "$status" -eq 2 ]; then
      { echo "### Change points"; echo; echo "Not yet: $(tail -n 1 "$work/changes.err")"; } > "$work/changes.md"
    elif [ "$status" -ne 0 ]; then
      cat "$work/changes.err" >&2
      exit "$status"
    fi
    cp "$work/changes.md" "$data/$dir/changes.md"
    git -C "$data" add -A "$dir"
    git -C "$data" -c user.name=snbench-action -c user.email=snbench-action@users.noreply.github.com \
      commit -q -m "snbench: history of ${GITHUB_SHA:0:12}"
    if git -C "$data" push -q origin "HEAD:refs/heads/$branch"; then
      break
    fi
    [ "$attempt" -lt 3 ] || { echo "snbench-action: could not push $branch" >&2; exit 1; }
    echo "snbench-action: $branch moved meanwhile; appending again"
  done
  local url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:?}/tree/$branch/$dir"
  {
    cat "$work/changes.md"
    echo
    echo "History and charts: $url"
  } >> "$GITHUB_STEP_SUMMARY"
  echo "history-url=$url" >> "$GITHUB_OUTPUT"
}

# checkout_data BRANCH DIR: the data branch in its own worktree at DIR,
# created (with no files) the first time.
checkout_data() {
  local branch=$1 data=$2
  git worktree remove --force "$data" 2>/dev/null || rm -rf "$data"
  git worktree prune
  if git fetch -q --no-tags origin "+refs/heads/$branch:refs/remotes/origin/$branch" 2>/dev/null; then
    git worktree add -q --detach "$data" "origin/$branch"
  else
    git worktree add -q --detach "$data"
    git -C "$data" checkout -q --orphan "snbench-data-new"
    git -C "$data" rm -rq --cached . 2>/dev/null || true
    git -C "$data" clean -fdxq
  fi
}

case "${1:-}" in
  build) step_build ;;
  pr-measure) step_pr_measure ;;
  pr-report) step_pr_report ;;
  pr-verdict) step_pr_verdict ;;
  main-history) step_main_history ;;
  *) echo "usage: steps.sh build|pr-measure|pr-report|pr-verdict|main-history" >&2; exit 2 ;;
esac

package app

import (
	"bytes"
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/internal/syncbuf"
)

// example is one command line of the manual.
type example struct {
	line string   // as the manual shows it, without "$ "
	args []string // without "snbench"
	// stdout is the file '> FILE' sends the output to ("" for none).
	stdout string
	// background is set by a trailing '&': the command runs until the
	// test ends (a node).
	background bool
	// code is the exit status the manual gives ('# exit status N'), else 0.
	code int
}

// manual is the manual's text: the package comment of cmd/snbench/doc.go.
func manual(t *testing.T) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../cmd/snbench/doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Doc == nil {
		t.Fatal("doc.go has no package comment")
	}
	return f.Doc.Text()
}

var exitComment = regexp.MustCompile(`\s+# exit status (\d+)$`)

// parseExamples returns the manual's examples, the lines of its code
// blocks that start with "$ ", in order, and the files its code blocks
// name in a first line "# FILE".
func parseExamples(t *testing.T, text string) ([]example, map[string]string) {
	t.Helper()
	var exs []example
	files := map[string]string{}
	var file string
	for _, l := range strings.Split(text, "\n") {
		code, ok := strings.CutPrefix(l, "\t")
		switch {
		case !ok:
			file = ""
		case file != "":
			files[file] += code + "\n"
		case strings.HasPrefix(code, "# ") && !strings.Contains(code[2:], " "):
			file = code[2:]
		case strings.HasPrefix(code, "$ "):
			exs = append(exs, parseExample(t, code[2:]))
		}
	}
	return exs, files
}

// parseExample splits a command line as a shell would, for the little
// shell the manual uses: words, 'single quotes', '> FILE', a trailing '&'
// and a trailing '# exit status N'.
func parseExample(t *testing.T, line string) example {
	t.Helper()
	ex := example{line: line}
	if m := exitComment.FindStringSubmatch(line); m != nil {
		ex.code, _ = strconv.Atoi(m[1])
		line = line[:len(line)-len(m[0])]
	}
	if rest, ok := strings.CutSuffix(line, " &"); ok {
		ex.background, line = true, rest
	}
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
			}
			w.Reset()
			inWord = false
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	if quoted || len(words) < 2 || words[0] != "snbench" {
		t.Fatalf("manual example %q: want 'snbench COMMAND ...' with balanced quotes", ex.line)
	}
	for i, w := range words {
		if w == ">" && i == len(words)-2 {
			ex.stdout, words = words[i+1], words[:i]
			break
		}
	}
	ex.args = words[1:]
	return ex
}

// flagValue returns the value of --name in args and its index (-1 when
// absent). Flags must be split from their values (see splitFlags).
func flagValue(args []string, name string) (string, int) {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1], i + 1
		}
	}
	return "", -1
}

// splitFlags writes every --name=value in args as --name value.
func splitFlags(args []string) []string {
	var out []string
	for _, a := range args {
		if name, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "--") {
			out = append(out, name, v)
			continue
		}
		out = append(out, a)
	}
	return out
}

// setFlag sets --name to v in args, replacing its value or adding it.
func setFlag(args []string, name, v string) []string {
	if _, i := flagValue(args, name); i >= 0 {
		args[i] = v
		return args
	}
	return append(args, name, v)
}

func hasFlag(args []string, name string) bool {
	_, i := flagValue(args, name)
	return i >= 0
}

// shrink makes a run or calibrate example small enough for a test: 2000
// tasks per repetition (doubling along a --tasks list), 100 warm-up tasks,
// 2 repetitions, at most 2 workers (1 under -race, where drawing the
// report's plots is slow, and --no-report), 50 ms of open-loop load and
// capacity searches up to 4k tasks/s, and 50 ms doctor ceiling steps.
// Other commands are left as they are.
func shrink(args []string) []string {
	args = splitFlags(args)
	switch args[0] {
	case "run":
		workers := "1,2"
		if raceEnabled() { // one worker count: fewer plots, which are slow to draw under -race
			workers = "1"
		}
		if v, i := flagValue(args, "--workers"); i >= 0 {
			for _, w := range strings.Split(v, ",") {
				if n, err := strconv.Atoi(w); err != nil || n > 2 || raceEnabled() && n > 1 {
					args[i] = workers
					break
				}
			}
		} else if !hasFlag(args, "--nodes") {
			args = append(args, "--workers", workers)
		}
		if hasFlag(args, "--rate") || slices.Contains(args, "--rate-steps") {
			args = setFlag(args, "--duration", "50ms")
		}
		if slices.Contains(args, "--rate-steps") {
			args = setFlag(args, "--rate-max", "4000")
		}
	case "calibrate":
		args = setFlag(args, "--runs", "2")
	case "doctor":
		return setFlag(args, "--step", "50ms")
	default:
		return args
	}
	v, _ := flagValue(args, "--tasks")
	tasks := []string{"2000"}
	for i := 1; i < len(strings.Split(v, ",")); i++ {
		tasks = append(tasks, strconv.Itoa(2000<<i))
	}
	args = setFlag(args, "--tasks", strings.Join(tasks, ","))
	args = setFlag(args, "--warmup", "100")
	args = setFlag(args, "--repetitions", "2")
	if args[0] == "run" && raceEnabled() && !slices.Contains(args, "--no-report") {
		args = append(args, "--no-report") // drawing plots under -race is slow; report examples draw theirs
	}
	return args
}

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	return ok && slices.ContainsFunc(bi.Settings, func(s debug.BuildSetting) bool { return s.Key == "-race" && s.Value == "true" })
}

// TestDocExamples runs every example of the manual in doc.go, in order,
// in one temporary directory, in-process through run, with the sizes
// shrink makes small, and checks each exits with the status the manual
// gives (0 unless it says '# exit status N'), with the reference workers
// of examples/workers taken from this repository. Files the manual shows in a
// code block headed '# FILE' are written first. A node started in the
// background ('&') listens on a free port instead of the one the manual
// names, which later examples then use; it is stopped at the end.
func TestDocExamples(t *testing.T) {
	exs, files := parseExamples(t, manual(t))
	if len(exs) < 10 {
		t.Fatalf("the manual has %d examples, want every command's", len(exs))
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	for name, content := range files {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	var bg sync.WaitGroup
	defer func() { stop(); bg.Wait() }()
	addrs := map[string]string{} // a node's address in the manual: where it listens here
	for _, ex := range exs {
		args := shrink(ex.args)
		for i := range args {
			for from, to := range addrs {
				args[i] = strings.ReplaceAll(args[i], from, to)
			}
			// The reference workers are the repository's.
			args[i] = strings.ReplaceAll(args[i], "examples/workers/", filepath.Join(repo, "examples", "workers")+"/")
		}
		if ex.background {
			addr, _ := flagValue(args, "--listen")
			args = setFlag(args, "--listen", "127.0.0.1:0")
			addrs[addr] = startBackground(t, ctx, &bg, ex, args)
			continue
		}
		t.Logf("$ snbench %s", strings.Join(args, " "))
		var stdout, stderr bytes.Buffer
		start := time.Now()
		code := report(run(ctx, args, &stdout, &stderr), &stderr)
		if code != ex.code {
			t.Fatalf("%q (run as %q): exit status %d, want %d\nstdout:\n%s\nstderr:\n%s",
				ex.line, strings.Join(args, " "), code, ex.code, stdout.String(), stderr.String())
		}
		t.Logf("exit status %d in %v", code, time.Since(start).Round(time.Millisecond))
		if ex.stdout != "" {
			if err := os.WriteFile(ex.stdout, stdout.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	written := []string{"results/latest/results.json", "results/load-report/index.html", "results/calibration.json",
		"old.txt", "history.jsonl", "trends", "results/remote/results.json"}
	if !raceEnabled() { // under -race the runs skip their reports (shrink)
		written = append(written, "results/plan/index.html", "results/load/plots", "results/capacity/capacity.txt")
	}
	for _, f := range written {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("after the examples: %v", err)
		}
	}
}

// startBackground starts a node example and returns the address it
// listens on.
func startBackground(t *testing.T, ctx context.Context, bg *sync.WaitGroup, ex example, args []string) string {
	t.Helper()
	if args[0] != "node" {
		t.Fatalf("%q: only nodes run in the background here", ex.line)
	}
	t.Logf("$ snbench %s &", strings.Join(args, " "))
	out, errs := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	bg.Go(func() {
		if code := report(run(ctx, args, out, errs), errs); code != ex.code {
			t.Errorf("%q: exit status %d when stopped, want %d\n%s", ex.line, code, ex.code, errs.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range strings.Split(out.String(), "\n") {
			if addr, ok := strings.CutPrefix(l, node.ListenPrefix); ok {
				return strings.TrimSpace(addr)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%q: no %q line on stdout within 10s:\n%s", ex.line, node.ListenPrefix, errs.String())
	return ""
}

// TestParseExample checks the little shell the manual's examples use.
func TestParseExample(t *testing.T) {
	tests := []struct {
		name, line string
		want       example
	}{
		{"plain", "snbench list", example{args: []string{"list"}}},
		{"quotes", "snbench run --slo 'p99<5ms, p50<1ms' -o x", example{args: []string{"run", "--slo", "p99<5ms, p50<1ms", "-o", "x"}}},
		{"redirect", "snbench run --format gobench > old.txt", example{args: []string{"run", "--format", "gobench"}, stdout: "old.txt"}},
		{"background", "snbench node --listen 127.0.0.1:7070 &", example{args: []string{"node", "--listen", "127.0.0.1:7070"}, background: true}},
		{"exit status", "snbench run --workers 0    # exit status 2", example{args: []string{"run", "--workers", "0"}, code: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseExample(t, tt.line)
			tt.want.line = tt.line
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("parseExample(%q) = %+v, want %+v", tt.line, got, tt.want)
			}
		})
	}
}

// TestShrink checks that examples are made small without changing what
// they run.
func TestShrink(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		race string // what it becomes under -race, if different
	}{
		{name: "default run", in: "run", want: "run --workers 1,2 --tasks 2000 --warmup 100 --repetitions 2",
			race: "run --workers 1 --tasks 2000 --warmup 100 --repetitions 2"},
		{name: "growth", in: "run --workers 1..8x2 --tasks 100000,200000,400000",
			want: "run --workers 1,2 --tasks 2000,4000,8000 --warmup 100 --repetitions 2",
			race: "run --workers 1 --tasks 2000,4000,8000 --warmup 100 --repetitions 2"},
		{name: "small workers kept", in: "run --workers 2 -o old", want: "run --workers 2 -o old --tasks 2000 --warmup 100 --repetitions 2",
			race: "run --workers 1 -o old --tasks 2000 --warmup 100 --repetitions 2"},
		{name: "open loop", in: "run --rate 10k --duration 5s",
			want: "run --rate 10k --duration 50ms --workers 1,2 --tasks 2000 --warmup 100 --repetitions 2",
			race: "run --rate 10k --duration 50ms --workers 1 --tasks 2000 --warmup 100 --repetitions 2"},
		{name: "capacity", in: "run --workers=1 --rate-steps",
			want: "run --workers 1 --rate-steps --duration 50ms --rate-max 4000 --tasks 2000 --warmup 100 --repetitions 2"},
		{name: "nodes", in: "run --nodes a,b", want: "run --nodes a,b --tasks 2000 --warmup 100 --repetitions 2"},
		{name: "calibrate", in: "calibrate --runs 5 --repetitions 10", want: "calibrate --runs 2 --repetitions 2 --tasks 2000 --warmup 100"},
		{name: "doctor", in: "doctor", want: "doctor --step 50ms"},
		{name: "others untouched", in: "compare --threshold 5% a b", want: "compare --threshold 5% a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if raceEnabled() && tt.race != "" {
				want = tt.race
			}
			if raceEnabled() && strings.Fields(tt.in)[0] == "run" {
				want += " --no-report"
			}
			if got := strings.Join(shrink(strings.Fields(tt.in)), " "); got != want {
				t.Errorf("shrink(%q) = %q, want %q", tt.in, got, want)
			}
		})
	}
}

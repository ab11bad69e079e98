package action_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"
)

// actionFile is the composite action's definition.
type actionFile struct {
	Inputs map[string]struct {
		Default string `json:"default"`
	} `json:"inputs"`
	Runs struct {
		Using string `json:"using"`
		Steps []struct {
			Name  string            `json:"name"`
			ID    string            `json:"id"`
			If    string            `json:"if"`
			Shell string            `json:"shell"`
			Env   map[string]string `json:"env"`
			Run   string            `json:"run"`
		} `json:"steps"`
	} `json:"runs"`
}

// repoRoot is the snbench checkout: the action's own path.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// needTools skips where the tools the steps use are missing, except under
// CI=true, where that is a failure.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found: the action's steps need it", tool)
			}
			t.Skipf("%s not found", tool)
		}
	}
}

// commentsAPI stubs GitHub's issue comments API for one repository.
type commentsAPI struct {
	mu       sync.Mutex
	token    string
	comments []map[string]any
	creates  int
	updates  int
}

func (c *commentsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+c.token {
		http.Error(w, "bad credentials", http.StatusUnauthorized)
		return
	}
	var body struct{ Body string }
	if r.Method != http.MethodGet {
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil || body.Body == "" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/repos/acme/fake/issues/7/comments":
		list := c.comments
		if list == nil {
			list = []map[string]any{}
		}
		_ = json.NewEncoder(w).Encode(list)
	case r.Method == http.MethodPost && r.URL.Path == "/repos/acme/fake/issues/7/comments":
		c.creates++
		c.comments = append(c.comments, map[string]any{"id": 100 + len(c.comments), "body": body.Body})
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(c.comments[len(c.comments)-1])
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/repos/acme/fake/issues/comments/"):
		for _, cm := range c.comments {
			if fmt.Sprint(cm["id"]) == strings.TrimPrefix(r.URL.Path, "/repos/acme/fake/issues/comments/") {
				c.updates++
				cm["body"] = body.Body
				_ = json.NewEncoder(w).Encode(cm)
				return
			}
		}
		http.NotFound(w, r)
	default:
		http.Error(w, r.Method+" "+r.URL.Path+": not stubbed", http.StatusNotFound)
	}
}

// fakeProject is a Go project that is not snbench: one benchmark whose
// work per op is the constant work.
func fakeProject(work int) map[string]string {
	return map[string]string{
		"go.mod": "module example.com/fake\n\ngo 1.26\n",
		"work.go": fmt.Sprintf(`package fake

// Work is the benchmark's work per op.
const Work = %d

// Sum adds the squares below n.
func Sum(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i * i %% 7
	}
	return s
}
`, work),
		"work_test.go": `package fake

import "testing"

var sink int

func BenchmarkSum(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += Sum(Work)
	}
	b.ReportMetric(float64(Work), "items/op")
}
`,
	}
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func commitFiles(t *testing.T, dir string, files map[string]string, msg string) string {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", msg)
	return git(t, dir, "rev-parse", "HEAD")
}

// runner runs the action's steps as GitHub's runner would.
type runner struct {
	t       *testing.T
	action  actionFile
	env     map[string]string // GitHub's variables
	with    map[string]string // the workflow's with:
	summary string            // GITHUB_STEP_SUMMARY
	outputs map[string]map[string]string
}

var expr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

func (r *runner) eval(s string) string {
	return expr.ReplaceAllStringFunc(s, func(m string) string {
		e := expr.FindStringSubmatch(m)[1]
		switch {
		case strings.HasPrefix(e, "inputs."):
			name := strings.TrimPrefix(e, "inputs.")
			if v, ok := r.with[name]; ok {
				return v
			}
			in, ok := r.action.Inputs[name]
			if !ok {
				r.t.Fatalf("action.yml uses an undeclared input %q", name)
			}
			return r.eval(in.Default)
		case strings.HasPrefix(e, "steps."):
			parts := strings.Split(e, ".") // steps.ID.outputs.NAME
			if len(parts) != 4 || parts[2] != "outputs" {
				r.t.Fatalf("expression %q not understood", e)
			}
			return r.outputs[parts[1]][parts[3]]
		case e == "github.token":
			return r.env["GITHUB_TOKEN_FOR_TEST"]
		}
		r.t.Fatalf("expression %q not understood by the fake runner", e)
		return ""
	})
}

// cond evaluates an if: of the forms action.yml uses: github.event_name
// == 'x' joined by ||.
func (r *runner) cond(s string) bool {
	if s == "" {
		return true
	}
	for _, alt := range strings.Split(s, "||") {
		k, v, ok := strings.Cut(strings.TrimSpace(alt), "==")
		if !ok || strings.TrimSpace(k) != "github.event_name" {
			r.t.Fatalf("if: %q not understood by the fake runner", s)
		}
		if strings.Trim(strings.TrimSpace(v), "'") == r.env["GITHUB_EVENT_NAME"] {
			return true
		}
	}
	return false
}

// run runs every step whose if: holds, in dir; it returns the name of the
// step that failed, or "".
func (r *runner) run(dir string) (failed string) {
	r.t.Helper()
	r.outputs = map[string]map[string]string{}
	tmp := r.t.TempDir()
	summary := filepath.Join(tmp, "summary.md")
	for i, st := range r.action.Runs.Steps {
		if !r.cond(st.If) {
			continue
		}
		if st.Shell != "bash" {
			r.t.Fatalf("step %q: shell %q, want bash", st.Name, st.Shell)
		}
		out := filepath.Join(tmp, fmt.Sprintf("output-%d", i))
		if err := os.WriteFile(out, nil, 0o644); err != nil {
			r.t.Fatal(err)
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", r.eval(st.Run))
		cmd.Dir = dir
		cmd.Env = os.Environ()
		for k, v := range r.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Env = append(cmd.Env, "GITHUB_OUTPUT="+out, "GITHUB_STEP_SUMMARY="+summary, "GITHUB_ACTIONS=true")
		for k, v := range st.Env {
			cmd.Env = append(cmd.Env, k+"="+r.eval(v))
		}
		b, err := cmd.CombinedOutput()
		r.t.Logf("step %q:\n%s", st.Name, b)
		o, _ := os.ReadFile(out)
		r.outputs[st.ID] = map[string]string{}
		for _, l := range strings.Split(string(o), "\n") {
			if k, v, ok := strings.Cut(l, "="); ok {
				r.outputs[st.ID][k] = v
			}
		}
		if err != nil {
			s, _ := os.ReadFile(summary)
			r.summary = string(s)
			return st.Name
		}
	}
	s, _ := os.ReadFile(summary)
	r.summary = string(s)
	return ""
}

// TestActionSteps: a pull request that makes the benchmark 10x slower gets
// the comparison in its summary and in one sticky comment (created, then
// updated), and fails; pushes append to the history on the data branch,
// which lasts across runs.
func TestActionSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds snbench and runs go test -bench in a fake project")
	}
	needTools(t, "bash", "git", "jq", "curl", "go")
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var act actionFile
	if err := yaml.Unmarshal(b, &act); err != nil {
		t.Fatal(err)
	}
	if act.Runs.Using != "composite" {
		t.Fatalf("runs.using %q, want composite", act.Runs.Using)
	}

	base := t.TempDir()
	origin := filepath.Join(base, "origin.git")
	work := filepath.Join(base, "work")
	git(t, base, "init", "-q", "--bare", "-b", "main", origin)
	git(t, base, "clone", "-q", origin, work)
	git(t, work, "config", "user.name", "t")
	git(t, work, "config", "user.email", "t@example.com")
	baseSHA := commitFiles(t, work, fakeProject(1000), "base")
	git(t, work, "push", "-q", "origin", "HEAD:main")
	headSHA := commitFiles(t, work, fakeProject(10000), "10x the work") // a regression no busy machine hides

	api := &commentsAPI{token: "t0ken"}
	srv := httptest.NewServer(api)
	defer srv.Close()
	event := filepath.Join(base, "event.json")
	if err := os.WriteFile(event, []byte(fmt.Sprintf(`{"pull_request":{"number":7,"base":{"sha":%q},"head":{"sha":%q}}}`, baseSHA, headSHA)), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": event, "GITHUB_SHA": headSHA,
		"GITHUB_REPOSITORY": "acme/fake", "GITHUB_API_URL": srv.URL, "GITHUB_SERVER_URL": "https://github.example",
		"GITHUB_HEAD_REF": "slow", "GITHUB_BASE_REF": "main", "GITHUB_RUN_ID": "1",
		"GITHUB_ACTION_PATH": root, "RUNNER_TEMP": filepath.Join(base, "runner-temp"),
		"GITHUB_TOKEN_FOR_TEST": "t0ken", "GOTOOLCHAIN": "local", "GOFLAGS": "-buildvcs=false",
	}
	with := map[string]string{"bench": "go test -run '^$' -bench . -count 2 -benchtime 20000x", "rounds": "3"}
	r := &runner{t: t, action: act, env: env, with: with}

	if failed := r.run(work); failed != "Fail on a significant regression" {
		t.Fatalf("pull request: failed at %q, want the regression verdict; summary:\n%s", failed, r.summary)
	}
	if r.outputs["report"]["regression"] != "true" || !strings.Contains(r.summary, "| BenchmarkSum") && !strings.Contains(r.summary, "Sum") {
		t.Fatalf("outputs %v, summary:\n%s", r.outputs, r.summary)
	}
	if api.creates != 1 || len(api.comments) != 1 || !strings.Contains(fmt.Sprint(api.comments[0]["body"]), "<!-- snbench-action -->") {
		t.Fatalf("comments %+v after the first run", api.comments)
	}
	if failed := r.run(work); failed != "Fail on a significant regression" {
		t.Fatalf("second run: failed at %q", failed)
	}
	if api.creates != 1 || api.updates != 1 || len(api.comments) != 1 {
		t.Errorf("after a second run: %d created, %d updated, %d comments; want one sticky comment", api.creates, api.updates, len(api.comments))
	}

	// Pushes to main: the history lives on the data branch of origin.
	git(t, work, "push", "-q", "origin", "HEAD:main")
	env["GITHUB_EVENT_NAME"] = "push"
	if err := os.WriteFile(event, []byte(`{"ref":"refs/heads/main"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		env["GITHUB_RUN_ID"] = fmt.Sprint(100 + run)
		if failed := r.run(work); failed != "" {
			t.Fatalf("push %d: step %q failed", run, failed)
		}
		if !strings.Contains(r.summary, "https://github.example/acme/fake/tree/snbench-data/benchmarks") || !strings.Contains(r.summary, "Change points") {
			t.Errorf("push %d: summary lacks the link or the change points:\n%s", run, r.summary)
		}
		lines := git(t, base, "--git-dir", origin, "show", "snbench-data:benchmarks/history.jsonl")
		if n := strings.Count(lines, "\n") + 1; n != run {
			t.Errorf("push %d: %d history entries on the data branch, want %d", run, n, run)
		}
		files := git(t, base, "--git-dir", origin, "ls-tree", "-r", "--name-only", "snbench-data")
		if !strings.Contains(files, "benchmarks/charts/") || !strings.Contains(files, "benchmarks/changes.md") {
			t.Errorf("push %d: data branch holds %s", run, files)
		}
	}
}

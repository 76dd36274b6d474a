package bench

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zen-coord/zen/internal/ztest"
)

// TestCLI drives `zen bench` as a user would: a run with -json, -out and
// -report, `wait`, `table` and `report` over the saved results, and bad
// usage.
func TestCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the zen binary")
	}
	bin := ztest.ZenBinary(t)
	srv := ztest.StartServer(t, nil)
	dir := t.TempDir()
	run := func(wantCode int, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"bench"}, args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != wantCode {
			t.Fatalf("zen bench %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantCode, out, stderr.String())
		}
		return string(out)
	}
	j1, j2 := filepath.Join(dir, "zen.json"), filepath.Join(dir, "other.json")
	html := filepath.Join(dir, "run.html")
	out := run(0, "get", "-servers", srv.Addr(), "-clients", "2", "-inflight", "2", "-duration", "500ms",
		"-warmup", "100ms", "-keys", "50", "-label", "zen", "-json", "-out", j1, "-report", html, "-progress=false")
	var res Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout is not a JSON result: %v\n%s", err, out)
	}
	if res.Case != "get 2x2" || res.Label != "zen" || res.Ops["get"].Count == 0 {
		t.Fatalf("result %+v", res)
	}
	if page, err := os.ReadFile(html); err != nil || !strings.Contains(string(page), "<svg") {
		t.Fatalf("report: %v", err)
	}
	run(0, "-workload", "get", "-servers", srv.Addr(), "-clients", "1", "-duration", "300ms", "-warmup", "0",
		"-keys", "50", "-label", "other", "-out", j2, "-progress=false")
	out = run(0, "wait", "-servers", srv.Addr(), "-path", "/zen-bench/kv", "-label", "zen", "-json")
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Workload != "restart" || res.Elapsed < 0 {
		t.Fatalf("wait: %v %+v", err, res)
	}
	table := run(0, "table", "-labels", "zen,other", j1, j2)
	if !strings.Contains(table, "| get 2x2 |") || !strings.Contains(table, "| get 1x1 |") {
		t.Fatalf("table:\n%s", table)
	}
	rep := filepath.Join(dir, "all.html")
	run(0, "report", "-o", rep, j1, j2)
	if page, err := os.ReadFile(rep); err != nil || strings.Count(string(page), "<svg") != 4 {
		t.Fatalf("combined report: %v", err)
	}
	run(2, "nosuchworkload", "-servers", srv.Addr())
	run(2, "get", "-clients", "0")
	run(2, "lock", "-rate", "100")
	run(1, "get", "-servers", "127.0.0.1:1", "-progress=false")
}

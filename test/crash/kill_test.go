package crash

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/zen-coord/zen/internal/ztest"
)

// TestKill9DuringWriteLoad SIGKILLs the server at a random moment while
// several pipelining sessions write (creates, setData, two-node multis,
// sequential creates), restarts it on the same data dir and checks the
// recovered state against what was acknowledged, for several rounds. A small
// snapCount makes the server take snapshots during the load, so restarts
// recover from a snapshot plus the log after it. With forceSync=no the
// server skips fsync, but an acknowledged write must still have reached the
// OS, so a process crash loses nothing either. The second run also keeps
// the log in a separate dataLogDir.
func TestKill9DuringWriteLoad(t *testing.T) {
	t.Run("forceSync=yes", func(t *testing.T) { testKill9(t, "yes", false, 5) })
	t.Run("forceSync=no,dataLogDir", func(t *testing.T) { testKill9(t, "no", true, 2) })
}

func testKill9(t *testing.T, forceSync string, logDir bool, rounds int) {
	rng := newRand(t)
	bin := ztest.ZenBinary(t)
	dir := t.TempDir()
	port := ztest.FreePort(t)
	cfg := []string{"snapCount=300", "forceSync=" + forceSync}
	if logDir {
		cfg = append(cfg, "dataLogDir="+filepath.Join(dir, "txlog"))
		t.Cleanup(func() {
			if _, err := os.Stat(filepath.Join(dir, "txlog", "zen-log")); err != nil {
				t.Errorf("the log is not in dataLogDir: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "data", "zen-log")); err == nil {
				t.Errorf("a log was created in dataDir although dataLogDir is set")
			}
		})
	}
	p := ztest.StartZenProc(t, bin, dir, port, cfg)
	c, _ := connect(t, p.Addr, 10*time.Second)
	setupLoad(t, c)
	c.Close()

	l := newLoad()
	if testing.Short() {
		rounds = min(rounds, 2)
	}
	fromSnapshot := 0
	for r := range rounds {
		admin, _ := connect(t, p.Addr, 10*time.Second)
		ws := l.start(t, admin, p.Addr, fmt.Sprintf("r%d", r), 4, 24, rng)
		admin.Close()
		waitAcked(t, ws, 50)
		time.Sleep(time.Duration(50+rng.IntN(700)) * time.Millisecond)
		p.Kill()
		for _, w := range ws {
			w.waitDone(t)
		}
		sent, acked := l.totals()
		t.Logf("round %d: killed with %d writes sent, %d acked so far", r, sent, acked)
		l.checkViolations(t)

		if r%2 == 1 {
			// Crash the recovery itself, at a random point of it.
			killEarly(t, bin, dir, time.Duration(rng.IntN(150))*time.Millisecond)
		}
		p = ztest.StartZenProc(t, bin, dir, port, cfg)
		zxid, snap, n := recovery(t, p)
		t.Logf("round %d: recovered zxid %#x from snapshot %#x + %d log entries", r, zxid, snap, n)
		if snap != 0 {
			fromSnapshot++
		}
		if max := l.maxAckedZxid(); zxid < max {
			t.Errorf("round %d: recovered zxid %#x is below the last acked zxid %#x", r, zxid, max)
		}
		vc, _ := connect(t, p.Addr, 10*time.Second)
		l.verify(t, vc)
		checkServing(t, vc, l, fmt.Sprint(r))
		vc.Close()
		if t.Failed() {
			t.FailNow()
		}
	}
	if fromSnapshot == 0 {
		t.Errorf("no restart recovered from a snapshot: the test did not cover snapshot + log recovery")
	}
	if snaps := listSnapshots(t, snapDir(dir)); len(snaps) < 2 {
		t.Errorf("only %d snapshots were written with snapCount=300", len(snaps))
	}
}

// killEarly starts the server on the zoo.cfg StartZenProc left in dir and
// SIGKILLs it after delay, wherever it is in its recovery.
func killEarly(t testing.TB, bin, dir string, delay time.Duration) {
	t.Helper()
	var out lockedBuffer
	cmd := exec.Command(bin, "server", "--config", filepath.Join(dir, "zoo.cfg"))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(delay)
	cmd.Process.Kill()
	cmd.Wait()
	t.Logf("killed a restart after %v:\n%s", delay, out.String())
}

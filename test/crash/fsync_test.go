package crash

import (
	"bytes"
	"errors"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/zen-coord/zen/engine"
	"github.com/zen-coord/zen/internal/ztest"
)

// TestFsyncFailureStopsServer runs a zenfault build whose fsyncs start
// failing after the first 100 (enough to start and take some writes) under a
// pipelined write load. The server must stop with a non-zero status and a
// log line naming the failed fsync, the writes in flight must never be
// acknowledged (their clients see the connection drop), and a restart
// without the fault must have every acknowledged write.
func TestFsyncFailureStopsServer(t *testing.T) {
	rng := newRand(t)
	faultBin := ztest.ZenBinary(t, "zenfault")
	dir := t.TempDir()
	port := ztest.FreePort(t)
	p := ztest.StartZenProc(t, faultBin, dir, port, nil, "ZEN_FAULT_FAIL_SYNC_AFTER=100")
	if !strings.Contains(p.Output(), "every fsync after the first 100 will fail") {
		t.Fatalf("the fault hook is not armed:\n%s", p.Output())
	}
	c, _ := connect(t, p.Addr, 10*time.Second)
	setupLoad(t, c)
	l := newLoad()
	ws := l.start(t, c, p.Addr, "f", 4, 16, rng)
	c.Close()

	exited, _ := p.Wait(60 * time.Second)
	if !exited {
		t.Fatalf("the server kept running 60 s into a write load whose fsyncs fail")
	}
	for _, w := range ws {
		w.waitDone(t)
	}
	l.checkViolations(t)
	if code := exitCode(p); code <= 0 {
		t.Errorf("exit status %d after a failed fsync, want a non-zero status (not a signal)", code)
	}
	out := p.Output()
	if !hasLine(out, "FATAL", "injected fsync failure", "zen-log") {
		t.Errorf("no FATAL log line names the failed fsync and the log file:\n%s", out)
	}
	sent, acked := l.totals()
	t.Logf("%d writes sent, %d acked before the server stopped", sent, acked)
	if acked == 0 {
		t.Fatalf("no write was acknowledged before the fault: the test did not exercise anything")
	}
	if sent == acked {
		t.Errorf("every write sent was acknowledged, including the ones whose fsync failed")
	}

	// Without the fault the server starts and has every acked write.
	p = ztest.StartZenProc(t, ztest.ZenBinary(t), dir, port, nil)
	vc, _ := connect(t, p.Addr, 10*time.Second)
	l.verify(t, vc)
	checkServing(t, vc, l, "fault")
}

// hasLine reports whether one line of log contains every one of words.
func hasLine(log string, words ...string) bool {
	for _, line := range strings.Split(log, "\n") {
		all := true
		for _, w := range words {
			if !strings.Contains(line, w) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// lossyFS is the filesystem under an in-process server's WAL for
// TestFailedFsyncNeverAcked. Once armed, every Sync and SyncData fails. It
// remembers, for every Pebble WAL file (*.log) opened for writing, how many
// bytes were written before its last successful sync, so that powerLoss can
// cut each WAL back to what was really made durable: a write that was
// acknowledged although its fsync failed is then lost, as it would be if the
// machine lost power.
type lossyFS struct {
	vfs.FS
	armed atomic.Bool
	mu    sync.Mutex
	wals  map[string]*lossyFile
}

type lossyFile struct {
	vfs.File
	fs      *lossyFS
	mu      sync.Mutex
	written int64 // end of the bytes written so far
	synced  int64 // end of the bytes covered by a successful sync
}

func (l *lossyFS) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return f, err
	}
	lf := &lossyFile{File: f, fs: l}
	if strings.HasSuffix(name, ".log") {
		l.mu.Lock()
		l.wals[name] = lf
		l.mu.Unlock()
	}
	return lf, nil
}

func (l *lossyFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := l.FS.Create(name, c)
	return l.wrap(name, f, err)
}

func (l *lossyFS) ReuseForWrite(oldname, newname string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := l.FS.ReuseForWrite(oldname, newname, c)
	return l.wrap(newname, f, err)
}

func (l *lossyFS) OpenReadWrite(name string, c vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := l.FS.OpenReadWrite(name, c, opts...)
	if err != nil {
		return f, err
	}
	return &lossyFile{File: f, fs: l}, nil // not a file powerLoss cuts
}

func (l *lossyFS) OpenDir(name string) (vfs.File, error) {
	f, err := l.FS.OpenDir(name)
	if err != nil {
		return f, err
	}
	return &lossyFile{File: f, fs: l}, nil
}

func (f *lossyFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	f.mu.Lock()
	f.written += int64(n)
	f.mu.Unlock()
	return n, err
}

func (f *lossyFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.File.WriteAt(p, off)
	f.mu.Lock()
	f.written = max(f.written, off+int64(n))
	f.mu.Unlock()
	return n, err
}

func (f *lossyFile) sync(do func() error) error {
	f.mu.Lock()
	end := f.written
	f.mu.Unlock()
	if f.fs.armed.Load() {
		return errInjected
	}
	if err := do(); err != nil {
		return err
	}
	f.mu.Lock()
	f.synced = max(f.synced, end)
	f.mu.Unlock()
	return nil
}

func (f *lossyFile) Sync() error     { return f.sync(f.File.Sync) }
func (f *lossyFile) SyncData() error { return f.sync(f.File.SyncData) }

var errInjected = errors.New("crash test: injected fsync failure")

// powerLoss truncates every WAL file to the bytes its last successful sync
// covered.
func (l *lossyFS) powerLoss(t testing.TB) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for name, f := range l.wals {
		f.mu.Lock()
		synced, written := f.synced, f.written
		f.mu.Unlock()
		err := os.Truncate(name, synced)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			t.Fatalf("truncating %s: %v", name, err)
		default:
			t.Logf("power loss: %s cut from %d to %d bytes", filepath.Base(name), written, synced)
		}
	}
}

// TestFailedFsyncNeverAcked checks, in-process, that a write whose fsync
// failed is never acknowledged: under a pipelined write load every fsync
// starts failing at a random moment, the server must call its fatal hook,
// then the unsynced tail of the WAL is thrown away (a power loss) and a
// server restarted on the data dir must still have every write that was
// acknowledged.
func TestFailedFsyncNeverAcked(t *testing.T) {
	rng := newRand(t)
	dir := t.TempDir()
	fs := &lossyFS{FS: vfs.Default, wals: map[string]*lossyFile{}}
	fatal := make(chan error, 1)
	cfg := engine.DefaultConfig()
	cfg.TickTime = 200 * time.Millisecond
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.ClientAddr = "127.0.0.1:0"
	cfg.MaxClientCnxns = 0
	cfg.SnapCount = 400
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	var logBuf lockedBuffer
	srv, err := engine.New(cfg, engine.Options{
		FS:     fs,
		Logger: log.New(&logBuf, "zen ", log.Lmicroseconds),
		OnFatal: func(err error) {
			select {
			case fatal <- err:
			default:
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			srv.Close()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logBuf.String())
		}
	})
	addr := srv.Addr()
	c, _ := connect(t, addr, 10*time.Second)
	setupLoad(t, c)
	l := newLoad()
	ws := l.start(t, c, addr, "p", 4, 24, rng)
	c.Close()
	waitAcked(t, ws, 200)
	time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
	fs.armed.Store(true)
	select {
	case err := <-fatal:
		t.Logf("fatal: %v", err)
		if !strings.Contains(err.Error(), errInjected.Error()) {
			t.Errorf("the fatal error does not name the failed fsync: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not report a fatal error 30 s after its fsyncs began to fail")
	}
	// Nothing after the failure may be acknowledged, not even a new session
	// (a createSession is a write). This also gives a server that wrongly
	// acknowledges the failed batch time to do so.
	if r, err := ztest.DialRaw(addr, 6000); err == nil {
		if r.SessionID != 0 {
			t.Errorf("a new session %#x was created after the fatal fsync error", r.SessionID)
		}
		r.Close()
	}
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return after a fatal fsync error")
	}
	closed = true
	for _, w := range ws {
		w.waitDone(t)
	}
	l.checkViolations(t)
	sent, acked := l.totals()
	t.Logf("%d writes sent, %d acked", sent, acked)
	if sent == acked {
		t.Errorf("every write sent was acknowledged, including the ones whose fsync failed")
	}

	fs.powerLoss(t)
	s2 := ztest.StartServerIn(t, dir, nil)
	vc, _ := connect(t, s2.Addr(), 10*time.Second)
	l.verify(t, vc)
	checkServing(t, vc, l, "lossy")
}

// lockedBuffer is a log destination shared by the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

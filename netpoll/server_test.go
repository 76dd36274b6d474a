package netpoll

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// echo answers every frame with the same frame, and "ruok"-style words
// with "4lw:<cmd>".
type echo struct {
	mu     sync.Mutex
	conns  []*Conn
	frames [][]byte
	closed int
	pause  bool // pause a connection after its first frame
}

func (e *echo) Opened(c *Conn) {
	e.mu.Lock()
	e.conns = append(e.conns, c)
	e.mu.Unlock()
}

func (e *echo) Frame(c *Conn, p []byte) bool {
	e.mu.Lock()
	e.frames = append(e.frames, bytes.Clone(p))
	pause := e.pause
	e.mu.Unlock()
	if string(p) == "bye" {
		return false
	}
	out := c.BeginWrite()
	out = binary.BigEndian.AppendUint32(out, uint32(len(p)))
	out = append(out, p...)
	c.EndWrite(out)
	if pause {
		c.Pause()
	}
	return true
}

func (e *echo) Drain(*Conn) {}

func (e *echo) FourLetter(c *Conn, cmd string) []byte { return []byte("4lw:" + cmd) }

func (e *echo) Closed(*Conn) {
	e.mu.Lock()
	e.closed++
	e.mu.Unlock()
}

func start(t *testing.T, cfg Config, h Handler) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.Loops = 2
	s := New(cfg, h)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

func frame(p string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(p))), p...)
}

func readFrame(t *testing.T, c net.Conn) string {
	t.Helper()
	var l [4]byte
	if _, err := io.ReadFull(c, l[:]); err != nil {
		t.Fatalf("reading frame: %v", err)
	}
	b := make([]byte, binary.BigEndian.Uint32(l[:]))
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func isClosed(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err != nil
}

// Frames arrive whole however the bytes are split, in order, even when a
// burst carries many of them.
func TestFramesSplitAnywhere(t *testing.T) {
	s := start(t, Config{MaxFrame: 1 << 20}, &echo{})
	msgs := []string{"a", "", "hello", string(bytes.Repeat([]byte("x"), 70000))}
	var stream []byte
	for _, m := range msgs {
		stream = append(stream, frame(m)...)
	}
	for _, cut := range []int{1, 3, 4, 5, 9, len(stream) / 2, len(stream) - 1} {
		c := dial(t, s.Addr())
		c.Write(stream[:cut])
		time.Sleep(5 * time.Millisecond)
		c.Write(stream[cut:])
		for _, m := range msgs {
			if got := readFrame(t, c); got != m {
				t.Fatalf("cut %d: got %d bytes, want %d", cut, len(got), len(m))
			}
		}
	}
}

// A length prefix outside [0, MaxFrame] closes that connection, unanswered;
// other connections are unaffected.
func TestBadLengthCloses(t *testing.T) {
	s := start(t, Config{MaxFrame: 100}, &echo{})
	other := dial(t, s.Addr())
	for _, n := range []int32{101, -1, -100} {
		c := dial(t, s.Addr())
		c.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
		if !isClosed(c) {
			t.Errorf("length %d: connection stayed open", n)
		}
	}
	other.Write(frame("still here"))
	if got := readFrame(t, other); got != "still here" {
		t.Fatalf("bystander got %q", got)
	}
}

// A four-letter word as the first bytes is answered and closes; stmk
// carries its 8-byte mask; anything else is a frame.
func TestFourLetterWords(t *testing.T) {
	s := start(t, Config{MaxFrame: 100}, &echo{})
	c := dial(t, s.Addr())
	c.Write([]byte("ruok"))
	got, _ := io.ReadAll(c)
	if string(got) != "4lw:ruok" {
		t.Fatalf("ruok: %q", got)
	}
	c = dial(t, s.Addr())
	c.Write([]byte("stmk"))
	time.Sleep(20 * time.Millisecond)
	c.Write([]byte{0, 0, 0, 0, 0, 0, 1, 2})
	got, _ = io.ReadAll(c)
	if string(got) != "4lw:stmk\x00\x00\x00\x00\x00\x00\x01\x02" {
		t.Fatalf("stmk: %q", got)
	}
	c = dial(t, s.Addr())
	c.Write([]byte{0xff, 0xf4, 0xff, 0xfd}) // telnet interrupt: just closes
	if !isClosed(c) {
		t.Fatal("telnet close sequence left the connection open")
	}
}

func TestPerIPLimit(t *testing.T) {
	h := &echo{}
	s := start(t, Config{MaxFrame: 100, MaxConnsPerIP: 2}, h)
	a, b := dial(t, s.Addr()), dial(t, s.Addr())
	a.Write(frame("a"))
	b.Write(frame("b"))
	readFrame(t, a)
	readFrame(t, b)
	third := dial(t, s.Addr())
	if !isClosed(third) {
		t.Fatal("third connection from one IP was admitted")
	}
	a.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := dial(t, s.Addr())
		c.Write(frame("again"))
		c.SetReadDeadline(time.Now().Add(time.Second))
		var l [4]byte
		if _, err := io.ReadFull(c, l[:]); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a slot freed by a close was never reused")
		}
	}
}

// A paused connection's input waits until Resume; output appended from
// another goroutine leaves after Wake; Close flushes first.
func TestPauseResumeWakeClose(t *testing.T) {
	h := &echo{pause: true}
	s := start(t, Config{MaxFrame: 100}, h)
	c := dial(t, s.Addr())
	c.Write(append(frame("one"), frame("two")...))
	if got := readFrame(t, c); got != "one" {
		t.Fatalf("got %q", got)
	}
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("a paused connection's second frame was served")
	}
	h.mu.Lock()
	nc := h.conns[0]
	h.pause = false
	h.mu.Unlock()
	go nc.Resume()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got := readFrame(t, c); got != "two" {
		t.Fatalf("after resume got %q", got)
	}
	go func() {
		out := nc.BeginWrite()
		nc.EndWrite(append(out, frame("pushed")...))
		nc.Wake()
	}()
	if got := readFrame(t, c); got != "pushed" {
		t.Fatalf("woken output %q", got)
	}
	go func() {
		out := nc.BeginWrite()
		nc.EndWrite(append(out, frame("last")...))
		nc.Close()
	}()
	if got := readFrame(t, c); got != "last" {
		t.Fatalf("output before close %q", got)
	}
	if !isClosed(c) {
		t.Fatal("Close left the connection open")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.mu.Lock()
		n := h.closed
		h.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Closed called %d times", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A handler returning false closes the connection after its output.
func TestFrameFalseCloses(t *testing.T) {
	s := start(t, Config{MaxFrame: 100}, &echo{})
	c := dial(t, s.Addr())
	c.Write(append(frame("x"), frame("bye")...))
	if got := readFrame(t, c); got != "x" {
		t.Fatalf("got %q", got)
	}
	if !isClosed(c) {
		t.Fatal("connection stayed open")
	}
}

// Stop returns only once the engine is down: open connections are closed
// (their Closed callbacks have run), the listener refuses new ones, and a
// second Stop does not hang.
func TestStopClosesEverything(t *testing.T) {
	e := &echo{}
	s := start(t, Config{MaxFrame: 100}, e)
	conns := []net.Conn{dial(t, s.Addr()), dial(t, s.Addr())}
	for _, c := range conns {
		c.Write(frame("x"))
		if got := readFrame(t, c); got != "x" {
			t.Fatalf("echo: %q", got)
		}
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed != len(conns) {
		t.Fatalf("Closed called %d times by the time Stop returned, want %d", closed, len(conns))
	}
	for _, c := range conns {
		if n, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatalf("connection still open after Stop (read %d bytes)", n)
		}
	}
	if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		c.Close()
		t.Fatal("listener still accepts after Stop")
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

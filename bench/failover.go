package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/zen-coord/zen/proto"
)

// FirstWrite tries, against every address at once, to open a session and
// set path (creating it first if it is missing) until one server
// acknowledges the write or ctx ends. It returns when the first ack
// arrived and which server gave it. Each attempt waits at most attempt;
// a server that refuses or drops the connection is retried after poll.
//
// It measures failover: kill the leader, then FirstWrite against the
// others — the ack needs a new leader and a quorum behind it.
func FirstWrite(ctx context.Context, addrs []string, path string, attempt, poll time.Duration) (time.Time, string, error) {
	if attempt <= 0 {
		attempt = 2 * time.Second
	}
	if poll <= 0 {
		poll = 5 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type win struct {
		at   time.Time
		addr string
	}
	wins := make(chan win, len(addrs))
	lastErr := make(chan error, len(addrs))
	for _, a := range addrs {
		go func() {
			var last error
			for ctx.Err() == nil {
				if err := writeOnce(ctx, a, path, attempt); err == nil {
					wins <- win{time.Now(), a}
					return
				} else {
					last = err
				}
				select {
				case <-ctx.Done():
				case <-time.After(poll):
				}
			}
			lastErr <- last
		}()
	}
	select {
	case w := <-wins:
		return w.at, w.addr, nil
	case <-ctx.Done():
		var errs []string
		for range addrs {
			if e := <-lastErr; e != nil {
				errs = append(errs, e.Error())
			}
		}
		return time.Time{}, "", fmt.Errorf("no write acknowledged: %w (last: %s)", ctx.Err(), strings.Join(errs, "; "))
	}
}

// writeOnce opens a session on addr and sets path, creating it if needed.
func writeOnce(ctx context.Context, addr, path string, timeout time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	c, err := Dial(addr, timeout, 10*time.Second)
	if err != nil {
		return err
	}
	defer c.Abort()
	stop := context.AfterFunc(ctx, c.Abort)
	defer stop()
	for range 2 {
		h, _, err := c.Call(proto.OpSetData, func(b []byte) []byte {
			b = proto.AppendString(b, path)
			b = proto.AppendBuffer(b, []byte("failover"), false)
			return proto.AppendInt(b, -1)
		}, timeout, nil)
		if err != nil {
			return err
		}
		switch h.Err {
		case proto.ErrOk:
			return nil
		case proto.ErrNoNode:
			h, _, err = c.Call(proto.OpCreate, func(b []byte) []byte {
				b = proto.AppendString(b, path)
				b = proto.AppendBuffer(b, []byte("failover"), false)
				b = proto.AppendACLs(b, proto.OpenACL)
				return proto.AppendInt(b, 0)
			}, timeout, nil)
			if err != nil {
				return err
			}
			if h.Err == proto.ErrOk {
				return nil
			}
			if h.Err != proto.ErrNodeExists {
				return h.Err
			}
		default:
			return h.Err
		}
	}
	return fmt.Errorf("%s: %s keeps disappearing", addr, path)
}

// FourLetter sends a four-letter word to addr and returns the answer.
func FourLetter(addr, word string, timeout time.Duration) (string, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(nc, word); err != nil {
		return "", err
	}
	b, err := io.ReadAll(nc)
	return string(b), err
}

// SrvrZxid is the Zxid line of addr's srvr answer (an error while the
// server does not serve).
func SrvrZxid(addr string, timeout time.Duration) (int64, error) {
	out, err := FourLetter(addr, "srvr", timeout)
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "Zxid: "); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 0, 64)
		}
	}
	return 0, fmt.Errorf("%s does not serve: %q", addr, strings.TrimSpace(out))
}

// SrvrMode is the Mode line of addr's srvr answer ("" if none).
func SrvrMode(addr string, timeout time.Duration) string {
	out, err := FourLetter(addr, "srvr", timeout)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "Mode: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// WaitZxid polls addr's srvr until it serves with a Zxid of at least min
// (a restarted follower has caught up to min), or ctx ends.
func WaitZxid(ctx context.Context, addr string, min int64, poll time.Duration) (time.Time, error) {
	if poll <= 0 {
		poll = 10 * time.Millisecond
	}
	var last string
	for {
		z, err := SrvrZxid(addr, time.Second)
		if err == nil && z >= min {
			return time.Now(), nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("zxid 0x%x", z)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%s did not reach zxid 0x%x: %w (last: %s)", addr, min, ctx.Err(), last)
		case <-time.After(poll):
		}
	}
}

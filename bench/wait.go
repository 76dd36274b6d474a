package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/zen-coord/zen/proto"
)

// WaitServing polls addr until a new session is established and exists on
// path succeeds (so the server has loaded its data, not merely opened its
// port), or ctx ends. It returns when it succeeded.
func WaitServing(ctx context.Context, addr, path string, poll time.Duration) (time.Time, error) {
	if poll <= 0 {
		poll = 20 * time.Millisecond
	}
	var last error
	for {
		if err := probe(addr, path); err == nil {
			return time.Now(), nil
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%s not serving %s: %w (last: %v)", addr, path, ctx.Err(), last)
		case <-time.After(poll):
		}
	}
}

func probe(addr, path string) error {
	c, err := Dial(addr, 2*time.Second, 10*time.Second)
	if err != nil {
		return err
	}
	defer c.Close(time.Second)
	h, _, err := c.Call(proto.OpExists, func(b []byte) []byte {
		return proto.AppendBool(proto.AppendString(b, path), false)
	}, 5*time.Second, nil)
	if err != nil {
		return err
	}
	if h.Err != proto.ErrOk {
		return h.Err
	}
	return nil
}

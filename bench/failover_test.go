package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

func TestFirstWriteAndWaitZxid(t *testing.T) {
	srv := ztest.StartServer(t, nil)
	addr := srv.Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	before, err := SrvrZxid(addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// One address refuses connections: the other's ack wins.
	dead := "127.0.0.1:1"
	for i := range 2 { // the first call creates the node, the second sets it
		_, by, err := FirstWrite(ctx, []string{dead, addr}, "/failover-probe", time.Second, 0)
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if by != addr {
			t.Fatalf("write %d acked by %s", i, by)
		}
	}
	c, err := Dial(addr, time.Second, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(time.Second)
	h, body, err := c.Call(proto.OpGetData, func(b []byte) []byte {
		return proto.AppendBool(proto.AppendString(b, "/failover-probe"), false)
	}, 5*time.Second, nil)
	if err != nil || h.Err != proto.ErrOk {
		t.Fatalf("getData: %v %v", err, h.Err)
	}
	if !bytes.Contains(body, []byte("failover")) {
		t.Fatalf("data %q", body)
	}
	after, err := SrvrZxid(addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// two sessions + create + set + their closes at least
	if after < before+4 {
		t.Fatalf("zxid %#x -> %#x", before, after)
	}
	if SrvrMode(addr, time.Second) != "standalone" {
		t.Fatalf("mode %q", SrvrMode(addr, time.Second))
	}
	if _, err := WaitZxid(ctx, addr, after, 0); err != nil {
		t.Fatal(err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	if _, err := WaitZxid(short, addr, after+1000, 0); err == nil || !strings.Contains(err.Error(), "did not reach") {
		t.Fatalf("waiting for a zxid never reached: %v", err)
	}
	// Nothing answers: FirstWrite gives up when ctx ends.
	if _, _, err := FirstWrite(short, []string{dead}, "/x", 100*time.Millisecond, 0); err == nil {
		t.Fatal("FirstWrite against a dead address succeeded")
	}
}

func TestCompareEvents(t *testing.T) {
	ev := func(label string, secs float64) *Result {
		return &Result{Label: label, Case: "failover", Workload: "event", Elapsed: secs}
	}
	rs := []*Result{ev("zen", 0.5), ev("zen", 0.3), ev("zen", 0.9), ev("zookeeper", 2)}
	cmp := Compare(rs, []string{"zen", "zookeeper"})
	if len(cmp.Rows) != 0 || len(cmp.Events) != 1 {
		t.Fatalf("rows %d, events %d", len(cmp.Rows), len(cmp.Events))
	}
	if f := cmp.Events[0].By["zen"]; f.Runs != 3 || f.Seconds != 0.5 {
		t.Fatalf("zen event %+v", f)
	}
	var b bytes.Buffer
	cmp.WriteMarkdown(&b)
	if want := "| failover | 0.500 / 2.000 (0.25×) | 3 / 1 |"; !strings.Contains(b.String(), want) {
		t.Fatalf("table lacks %q:\n%s", want, b.String())
	}
}

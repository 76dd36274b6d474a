package tree

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/zen-coord/zen/proto"
)

// benchTree builds a tree of n nodes with size bytes of data each, spread
// over n/1000 parents ("/p017/n000123").
func benchTree(tb testing.TB, n, size int) (*Tree, []string) {
	tr := New()
	data := make([]byte, size)
	zxid := int64(1)
	parents := max(1, n/1000)
	for p := 0; p < parents; p++ {
		mustApply(tb, tr, createE(zxid, fmt.Sprintf("/p%03d", p), "", 0))
		zxid++
	}
	paths := make([]string, 0, n)
	for i := 0; i < n; i++ {
		path := fmt.Sprintf("/p%03d/n%06d", i%parents, i)
		mustApply(tb, tr, entry(proto.TxnCreate, zxid, 1, &proto.CreateTxn{Path: path, Data: data, ACL: proto.OpenACL}))
		zxid++
		paths = append(paths, path)
	}
	return tr, paths
}

func BenchmarkGetDataParallel(b *testing.B) {
	tr, paths := benchTree(b, 10000, 100)
	var seq atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(seq.Add(1), 0))
		for pb.Next() {
			if _, _, _, err := tr.GetData(paths[rng.IntN(len(paths))], nil, nil); err != proto.ErrOk {
				b.Fatal(err)
			}
		}
	})
}

// setZxid patches the zxid of an encoded entry (TxnHeader: session 8, cxid
// 4, zxid 8 bytes).
func setZxid(e []byte, zxid int64) { binary.BigEndian.PutUint64(e[12:], uint64(zxid)) }

func BenchmarkApplySetData(b *testing.B) {
	tr, paths := benchTree(b, 10000, 100)
	entries := make([][]byte, len(paths))
	data := make([]byte, 100)
	for i, p := range paths {
		entries[i] = setDataE(0, p, string(data), 1)
	}
	zxid := tr.LastZxid()
	b.SetBytes(int64(len(entries[0])))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		zxid++
		e := entries[i%len(entries)]
		setZxid(e, zxid)
		if _, err := tr.Apply(e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyCreate(b *testing.B) {
	tr := New()
	parents := 64
	for p := 0; p < parents; p++ {
		mustApply(b, tr, createE(int64(p+1), fmt.Sprintf("/p%03d", p), "", 0))
	}
	data := make([]byte, 100)
	entries := make([][]byte, b.N)
	for i := range entries {
		entries[i] = entry(proto.TxnCreate, int64(parents+1+i), 1,
			&proto.CreateTxn{Path: fmt.Sprintf("/p%03d/n%08d", i%parents, i), Data: data, ACL: proto.OpenACL})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Apply(entries[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyCreateDelete is create in steady state: each op creates a
// node and deletes the one created 10000 ops earlier, so the tree (and its
// maps) stay the same size.
func BenchmarkApplyCreateDelete(b *testing.B) {
	const window = 10000
	tr := New()
	parents := 64
	for p := 0; p < parents; p++ {
		mustApply(b, tr, createE(int64(p+1), fmt.Sprintf("/p%03d", p), "", 0))
	}
	data := make([]byte, 100)
	path := func(i int) string { return fmt.Sprintf("/p%03d/n%08d", i%parents, i%(4*window)) }
	creates := make([][]byte, 4*window)
	deletes := make([][]byte, 4*window)
	for i := range creates {
		creates[i] = entry(proto.TxnCreate, 0, 1, &proto.CreateTxn{Path: path(i), Data: data, ACL: proto.OpenACL})
		deletes[i] = deleteE(0, path(i))
	}
	zxid := tr.LastZxid()
	apply := func(e []byte) {
		zxid++
		setZxid(e, zxid)
		if _, err := tr.Apply(e); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < window; i++ {
		apply(creates[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := window + i
		apply(creates[j%len(creates)])
		apply(deletes[(j-window)%len(deletes)])
	}
}

// BenchmarkGetDataUnderApply measures parallel reads while an applier
// goroutine runs setData on the same nodes as fast as it can.
func BenchmarkGetDataUnderApply(b *testing.B) {
	tr, paths := benchTree(b, 10000, 100)
	stop := make(chan struct{})
	done := make(chan int64)
	go func() {
		data := string(make([]byte, 100))
		entries := make([][]byte, 256)
		rng := rand.New(rand.NewPCG(1, 1))
		for i := range entries {
			entries[i] = setDataE(0, paths[rng.IntN(len(paths))], data, 1)
		}
		zxid := tr.LastZxid()
		var n int64
		for {
			select {
			case <-stop:
				done <- n
				return
			default:
			}
			zxid++
			e := entries[n%int64(len(entries))]
			setZxid(e, zxid)
			if _, err := tr.Apply(e); err != nil {
				panic(err)
			}
			n++
		}
	}()
	var seq atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(seq.Add(1), 0))
		for pb.Next() {
			if _, _, _, err := tr.GetData(paths[rng.IntN(len(paths))], nil, nil); err != proto.ErrOk {
				b.Fatal(err)
			}
		}
	})
	b.StopTimer()
	close(stop)
	applied := <-done
	b.ReportMetric(float64(applied)/b.Elapsed().Seconds(), "applies/s")
}

func BenchmarkWriteSnapshot200k(b *testing.B) {
	tr, _ := benchTree(b, 200000, 100)
	var size int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cw := &discardCounter{}
		if _, err := tr.WriteSnapshot(cw); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.SetBytes(size)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/200000, "ns/node")
}

func BenchmarkLoad200k(b *testing.B) {
	tr, _ := benchTree(b, 200000, 100)
	cw := &countWriter{}
	if _, err := tr.WriteSnapshot(cw); err != nil {
		b.Fatal(err)
	}
	snap := cw.buf.Bytes()
	b.SetBytes(int64(len(snap)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Load(&sliceReader{b: snap}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemory200k reports the heap held by a tree of 200k nodes with
// 100 bytes of data each (paths like "/p017/n000123").
func BenchmarkMemory200k(b *testing.B) {
	const n = 200000
	var perNode float64
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		tr, paths := benchTree(b, n, 100)
		paths = nil
		runtime.GC()
		runtime.ReadMemStats(&after)
		perNode = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(tr)
		_ = paths
	}
	b.ReportMetric(perNode, "B/node")
	b.ReportMetric(perNode*n/(1<<20), "MiB/200k")
}

type discardCounter struct{ n int64 }

func (d *discardCounter) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return len(p), nil
}

type sliceReader struct{ b []byte }

func (s *sliceReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}

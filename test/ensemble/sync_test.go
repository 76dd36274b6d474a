package ensemble

import (
	"fmt"
	"sync"
	"testing"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
)

// TestSyncThenReadSeesAckedWrites: a write acknowledged through one member
// is seen by a read that follows a sync on any other member, the leader
// included (the leader's applier may trail the commits it has already
// sent to followers). Writers on each follower race readers on the leader
// and on the other follower; every read after a sync must show at least
// the version of the last write acked before the sync was sent.
func TestSyncThenReadSeesAckedWrites(t *testing.T) {
	ms := ztest.StartEnsemble(t, ztest.EnsembleSpec{Voters: 3})
	leader := leaderOf(ms)
	if leader == nil {
		t.Fatal("no leader")
	}
	var followers []*ztest.Member
	for _, m := range ms {
		if m != leader {
			followers = append(followers, m)
		}
	}
	const rounds = 300
	var wg sync.WaitGroup
	for i, f := range followers {
		w := connect(t, f.Addr())
		readers := []*zk.Conn{connect(t, leader.Addr()), connect(t, followers[1-i].Addr())}
		path := fmt.Sprintf("/sync-%d", i)
		if _, err := w.Create(path, []byte("0"), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 1; n <= rounds; n++ {
				st, err := w.Set(path, []byte(fmt.Sprint(n)), -1)
				if err != nil {
					t.Errorf("set %s: %v", path, err)
					return
				}
				r := readers[n%2]
				if _, err := r.Sync(path); err != nil {
					t.Errorf("sync: %v", err)
					return
				}
				_, got, err := r.Get(path)
				if err != nil {
					t.Errorf("get: %v", err)
					return
				}
				if got.Version < st.Version {
					t.Errorf("%s: read after sync on %s shows version %d, the acked write made %d",
						path, []string{"the leader", "a follower"}[n%2], got.Version, st.Version)
					return
				}
			}
		}()
	}
	wg.Wait()
}

package crash

import (
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

// TestSessionsSurviveRestart stops the server (SIGTERM, then in a second run
// SIGKILL) while two sessions own ephemeral nodes and restarts it on the same
// data dir and port. The session whose client comes back within its timeout
// (go-zookeeper reconnecting with the same id and password) keeps its
// session and its ephemerals; the session whose client never comes back
// expires after the restart, its ephemeral is deleted (a watch set after the
// restart fires) and a late attempt to resume it is refused.
func TestSessionsSurviveRestart(t *testing.T) {
	for _, sig := range []string{"SIGTERM", "SIGKILL"} {
		t.Run(sig, func(t *testing.T) {
			bin := ztest.ZenBinary(t)
			dir := t.TempDir()
			port := ztest.FreePort(t)
			cfg := []string{"maxSessionTimeout=30000"}
			p := ztest.StartZenProc(t, bin, dir, port, cfg)

			owner, ownerEv := connect(t, p.Addr, 10*time.Second)
			ownerID := owner.SessionID()
			var evMu sync.Mutex
			var states []zk.State
			go func() {
				for ev := range ownerEv {
					if ev.Type == zk.EventSession {
						evMu.Lock()
						states = append(states, ev.State)
						evMu.Unlock()
					}
				}
			}()
			if _, err := owner.Create("/eph", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			if _, err := owner.Create("/eph/owner", []byte("o"), zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			seqName, err := owner.Create("/eph/oseq-", []byte("s"), zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
			if err != nil {
				t.Fatal(err)
			}

			lost, err := ztest.DialRaw(p.Addr, 6000)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { lost.Close() })
			if lost.Timeout != 6000 {
				t.Fatalf("lost session negotiated %d ms, want 6000", lost.Timeout)
			}
			req := proto.CreateRequest{Path: []byte("/eph/lost"), Data: []byte("l"), ACL: proto.OpenACL, Flags: proto.FlagEphemeral}
			rep, _, err := lost.Call(1, proto.OpCreate, req.Append(nil))
			if err != nil || rep.Hdr.Err != proto.ErrOk {
				t.Fatalf("create /eph/lost: %+v %v", rep.Hdr, err)
			}

			// A session closed before the crash stays closed: its
			// ephemeral must not come back.
			closer, err := ztest.DialRaw(p.Addr, 6000)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { closer.Close() })
			req = proto.CreateRequest{Path: []byte("/eph/closed"), Data: []byte("c"), ACL: proto.OpenACL, Flags: proto.FlagEphemeral}
			if rep, _, err := closer.Call(1, proto.OpCreate, req.Append(nil)); err != nil || rep.Hdr.Err != proto.ErrOk {
				t.Fatalf("create /eph/closed: %+v %v", rep.Hdr, err)
			}
			if rep, _, err := closer.Call(2, proto.OpCloseSession, nil); err != nil || rep.Hdr.Err != proto.ErrOk {
				t.Fatalf("closeSession: %+v %v", rep.Hdr, err)
			}

			if sig == "SIGTERM" {
				p.Stop()
				if code := exitCode(p); code != 0 {
					t.Errorf("SIGTERM: exit status %d, want 0", code)
				}
			} else {
				p.Kill()
			}
			lost.Close() // this client never comes back
			p = ztest.StartZenProc(t, bin, dir, port, cfg)

			// Right after the restart both sessions and all three ephemerals
			// are there: the lost session got a fresh timeout at recovery.
			watcher, _ := connect(t, p.Addr, 10*time.Second)
			ok, st, lostCh, err := watcher.ExistsW("/eph/lost")
			if err != nil || !ok {
				t.Fatalf("/eph/lost right after the restart: exists=%v %v", ok, err)
			}
			if st.EphemeralOwner != lost.SessionID {
				t.Errorf("/eph/lost owner %#x, want %#x", st.EphemeralOwner, lost.SessionID)
			}
			if ok, _, err := watcher.Exists("/eph/closed"); err != nil || ok {
				t.Errorf("/eph/closed of a session closed before the crash: exists=%v %v", ok, err)
			}

			// The owner's client reconnects on its own with the same session.
			if !waitFor(20*time.Second, func() bool { return owner.State() == zk.StateHasSession }) {
				t.Fatalf("owner did not reconnect (state %v)", owner.State())
			}
			if owner.SessionID() != ownerID {
				t.Fatalf("owner session %#x after the restart, was %#x", owner.SessionID(), ownerID)
			}
			for _, path := range []string{"/eph/owner", seqName} {
				ok, st, err := owner.Exists(path)
				if err != nil || !ok || st.EphemeralOwner != ownerID {
					t.Errorf("%s after the restart: exists=%v owner=%#x %v, want owner %#x", path, ok, ownerOf(st), err, ownerID)
				}
			}
			if _, err := owner.Set("/eph/owner", []byte("o2"), 0); err != nil {
				t.Errorf("owner write after the restart: %v", err)
			}

			// The lost session expires: its ephemeral goes, the watch fires.
			select {
			case ev := <-lostCh:
				if ev.Type != zk.EventNodeDeleted || ev.Path != "/eph/lost" {
					t.Errorf("watch on /eph/lost: %+v, want NodeDeleted", ev)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("/eph/lost was not deleted: the session that did not come back never expired")
			}
			if ok, _, err := watcher.Exists("/eph/lost"); err != nil || ok {
				t.Errorf("/eph/lost after the expiry: exists=%v %v", ok, err)
			}

			// Resuming the expired session is refused.
			again, err := ztest.DialRawSession(p.Addr, 6000, lost.SessionID, lost.Passwd, true)
			if err == nil {
				if again.SessionID != 0 || again.Timeout > 0 {
					t.Errorf("expired session %#x was resumed: %+v", lost.SessionID, again.Resp)
				}
				if !again.Closed(5 * time.Second) {
					t.Errorf("the server did not close the connection of the expired session")
				}
				again.Close()
			}

			// The owner (which kept pinging) still has everything.
			kids, _, err := watcher.Children("/eph")
			if err != nil || len(kids) != 2 {
				t.Errorf("/eph children after the expiry: %v %v, want owner and %s", kids, err, seqName)
			}
			ok, st, err = watcher.Exists("/eph/owner")
			if err != nil || !ok || st.EphemeralOwner != ownerID || st.Version != 1 {
				t.Errorf("/eph/owner after the lost session expired: exists=%v %+v %v", ok, st, err)
			}
			evMu.Lock()
			for _, s := range states {
				if s == zk.StateExpired {
					t.Errorf("the owner's client saw its session expire")
				}
			}
			evMu.Unlock()

			// Closing the owner now deletes its ephemerals.
			_, _, ownCh, err := watcher.ExistsW("/eph/owner")
			if err != nil {
				t.Fatal(err)
			}
			owner.Close()
			select {
			case ev := <-ownCh:
				if ev.Type != zk.EventNodeDeleted {
					t.Errorf("watch on /eph/owner: %+v", ev)
				}
			case <-time.After(10 * time.Second):
				t.Error("/eph/owner not deleted when its session closed")
			}
		})
	}
}

func ownerOf(st *zk.Stat) int64 {
	if st == nil {
		return 0
	}
	return st.EphemeralOwner
}

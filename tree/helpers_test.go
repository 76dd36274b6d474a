package tree

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/zen-coord/zen/proto"
)

// appender is any proto txn body.
type appender interface{ Append([]byte) []byte }

// entry encodes a log entry. Time is derived from the zxid so stats are
// predictable: time = 1000 + zxid.
func entry(typ proto.OpCode, zxid, session int64, body appender) []byte {
	h := proto.TxnHeader{Session: session, Cxid: int32(zxid), Zxid: zxid, Time: 1000 + zxid, Type: typ}
	b := proto.AppendTxnHeader(nil, &h)
	if body != nil {
		b = body.Append(b)
	}
	return b
}

func createE(zxid int64, path, data string, owner int64) []byte {
	return entry(proto.TxnCreate, zxid, 1, &proto.CreateTxn{Path: path, Data: []byte(data), ACL: proto.OpenACL, Owner: owner})
}

func deleteE(zxid int64, path string) []byte {
	return entry(proto.TxnDelete, zxid, 1, &proto.DeleteTxn{Path: path})
}

func setDataE(zxid int64, path, data string, version int32) []byte {
	return entry(proto.TxnSetData, zxid, 1, &proto.SetDataTxn{Path: path, Data: []byte(data), Version: version})
}

func setACLE(zxid int64, path string, acl []proto.ACL, version int32) []byte {
	return entry(proto.TxnSetACL, zxid, 1, &proto.SetACLTxn{Path: path, ACL: acl, Version: version})
}

func sessionE(zxid, id int64, timeout int32) []byte {
	return entry(proto.TxnCreateSession, zxid, id, &proto.CreateSessionTxn{Timeout: timeout})
}

func closeE(zxid, id int64, paths ...string) []byte {
	return entry(proto.TxnCloseSession, zxid, id, &proto.CloseSessionTxn{Paths: paths})
}

func errorE(zxid int64, code proto.Err) []byte {
	return entry(proto.TxnError, zxid, 1, &proto.ErrorTxn{Err: code})
}

// sub builds one multi sub-txn.
func sub(typ proto.OpCode, body appender) proto.SubTxn {
	return proto.SubTxn{Type: typ, Body: body.Append(nil)}
}

func multiE(zxid int64, ops ...proto.SubTxn) []byte {
	return entry(proto.TxnMulti, zxid, 1, &proto.MultiTxn{Ops: ops})
}

func mustApply(tb testing.TB, tr *Tree, e []byte) Result {
	tb.Helper()
	r, err := tr.Apply(e)
	if err != nil {
		tb.Fatalf("apply: %v", err)
	}
	return r
}

func mustStat(tb testing.TB, tr *Tree, path string) proto.Stat {
	tb.Helper()
	st, err := tr.Exists(path, nil, nil)
	if err != proto.ErrOk {
		tb.Fatalf("exists %s: %v", path, err)
	}
	return st
}

func children(tb testing.TB, tr *Tree, path string) []string {
	tb.Helper()
	names, _, err := tr.GetChildren(path, nil, nil, nil)
	if err != proto.ErrOk {
		tb.Fatalf("getChildren %s: %v", path, err)
	}
	slices.Sort(names)
	return names
}

// ev is one recorded notification.
type ev struct {
	who  string
	typ  proto.EventType
	path string
	zxid int64
	acl  []proto.ACL
}

func (e ev) String() string { return fmt.Sprintf("%s:%d:%s:%d", e.who, e.typ, e.path, e.zxid) }

// evlog is a notification log shared by several watchers, so tests can
// check the global order of events.
type evlog struct {
	mu  sync.Mutex
	evs []ev
}

func (l *evlog) take() []ev {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.evs
	l.evs = nil
	return out
}

// strs renders events compactly for comparison.
func strs(evs []ev) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.String()
	}
	return out
}

// rec is a Watcher writing to an evlog.
type rec struct {
	name string
	log  *evlog
}

func newRec(name string, log *evlog) *rec { return &rec{name: name, log: log} }

func (r *rec) Notify(typ proto.EventType, path string, zxid int64, acl []proto.ACL) {
	r.log.mu.Lock()
	r.log.evs = append(r.log.evs, ev{r.name, typ, path, zxid, acl})
	r.log.mu.Unlock()
}

// denyRead is a Checker that refuses READ on ACLs containing a digest entry.
type denyDigest struct{}

func (denyDigest) Allowed(acl []proto.ACL, perm int32) bool {
	for _, a := range acl {
		if a.Scheme == "digest" {
			return false
		}
	}
	return true
}

var digestACL = []proto.ACL{{Perms: proto.PermAll, Scheme: "digest", ID: "u:hash"}}

func eqStrings(tb testing.TB, what string, got, want []string) {
	tb.Helper()
	if !slices.Equal(got, want) {
		tb.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}

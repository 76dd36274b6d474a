package proto

import (
	"bytes"
	"testing"
)

// TestReplyAppenders checks that every struct-free appender produces exactly
// the bytes of the corresponding record's Append.
func TestReplyAppenders(t *testing.T) {
	st := sampleStat
	names := []string{"a", "bb", ""}
	nameBytes := [][]byte{bs("a"), bs("bb"), bs("")}
	infos := []ClientInfo{{"ip", "127.0.0.1"}, {"super", ""}}
	cases := []struct {
		name      string
		got, want []byte
	}{
		{"getData", AppendGetDataResponse(nil, bs("v"), false, &st), (&GetDataResponse{Data: bs("v"), Stat: st}).Append(nil)},
		{"getData null", AppendGetDataResponse(nil, nil, true, &st), (&GetDataResponse{DataNull: true, Stat: st}).Append(nil)},
		{"getData empty", AppendGetDataResponse(nil, nil, false, &st), (&GetDataResponse{Data: []byte{}, Stat: st}).Append(nil)},
		{"stat", AppendStatResponse(nil, &st), (&StatResponse{Stat: st}).Append(nil)},
		{"create", AppendCreateResponse(nil, "/p0000000001"), (&CreateResponse{Path: bs("/p0000000001")}).Append(nil)},
		{"create2", AppendCreate2Response(nil, "/p", &st), (&Create2Response{Path: bs("/p"), Stat: st}).Append(nil)},
		{"getChildren", AppendGetChildrenResponse(nil, names), (&GetChildrenResponse{Children: nameBytes}).Append(nil)},
		{"getChildren none", AppendGetChildrenResponse(nil, nil), (&GetChildrenResponse{}).Append(nil)},
		{"getChildren2", AppendGetChildren2Response(nil, names, &st), (&GetChildren2Response{Children: nameBytes, Stat: st}).Append(nil)},
		{"getACL", AppendGetACLResponse(nil, sampleACL, &st), (&GetACLResponse{ACL: sampleACL, Stat: st}).Append(nil)},
		{"sync", AppendSyncResponse(nil, bs("/s")), (&SyncResponse{Path: bs("/s")}).Append(nil)},
		{"error", AppendErrorResponse(nil, ErrNoWatcher), (&ErrorResponse{Err: ErrNoWatcher}).Append(nil)},
		{"allChildren", AppendGetAllChildrenNumberResponse(nil, 9), (&GetAllChildrenNumberResponse{TotalNumber: 9}).Append(nil)},
		{"ephemerals", AppendGetEphemeralsResponse(nil, []string{"/e"}), (&GetEphemeralsResponse{Ephemerals: [][]byte{bs("/e")}}).Append(nil)},
		{"whoAmI", AppendWhoAmIResponse(nil, infos), (&WhoAmIResponse{ClientInfo: infos}).Append(nil)},
		{"event", AppendWatcherEvent(nil, EventNodeDeleted, StateSyncConnected, "/w"),
			(&WatcherEvent{Type: EventNodeDeleted, State: StateSyncConnected, Path: bs("/w")}).Append(nil)},
	}
	for _, c := range cases {
		if !bytes.Equal(c.got, c.want) {
			t.Errorf("%s:\n got %x\nwant %x", c.name, c.got, c.want)
		}
	}
}

func TestAppendNotification(t *testing.T) {
	prefix := []byte("earlier reply")
	b := AppendNotification(append([]byte(nil), prefix...), 0x700000001, EventNodeCreated, "/n")
	if !bytes.HasPrefix(b, prefix) {
		t.Fatal("clobbered the bytes before it")
	}
	payload, n, err := SplitFrame(b[len(prefix):], DefaultMaxBuffer)
	if err != nil || n != len(b)-len(prefix) {
		t.Fatalf("not one frame: n=%d err=%v", n, err)
	}
	h, body, err := DecodeReplyHeader(payload)
	if err != nil || h != (ReplyHeader{Xid: XidNotification, Zxid: 0x700000001, Err: ErrOk}) {
		t.Fatalf("header %+v %v", h, err)
	}
	ev := decodeAll(t, &WatcherEvent{}, body).(*WatcherEvent)
	if ev.Type != EventNodeCreated || ev.State != StateSyncConnected || string(ev.Path) != "/n" {
		t.Fatalf("event %+v", ev)
	}
}

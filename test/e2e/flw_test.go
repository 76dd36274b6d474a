package e2e

// Four-letter words on the client port (PROTOCOL.md §15).

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zen-coord/zen/proto"
)

// flwFixture: one raw session with a persistent node, an ephemeral, a data
// watch on /p and a child watch on /q; its last op is getData.
type flwFixture struct {
	s      *target
	c      *rc
	lastXi int32
}

func newFLWFixture(t *testing.T) *flwFixture {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/p", b("abc"), openACL, 0))
	c.ok(proto.OpCreate, createBody("/q", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/p/e", nil, openACL, proto.FlagEphemeral))
	c.ok(proto.OpGetChildren, pathWatch("/q", true))
	rep := c.ok(proto.OpGetData, pathWatch("/p", true))
	return &flwFixture{s: s, c: c, lastXi: rep.Hdr.Xid}
}

func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

func TestFLWRuokIsro(t *testing.T) {
	s := start(t)
	if out := fourLetter(t, s.Addr, "ruok"); out != "imok" {
		t.Fatalf("ruok %q", out)
	}
	if out := fourLetter(t, s.Addr, "isro"); out != "rw" {
		t.Fatalf("isro %q", out)
	}
	// Not a known word: the 4 bytes are a (huge) frame length; closed
	// without an answer.
	if out := fourLetter(t, s.Addr, "xxxx"); out != "" {
		t.Fatalf("unknown word answered %q", out)
	}
}

// srvrRE matches srvr's lines; an ensemble leader adds the proposal sizes
// (ZooKeeper prints them for a quorum leader only).
func srvrRE() []*regexp.Regexp {
	res := []*regexp.Regexp{
		regexp.MustCompile(`^Zookeeper version: [^,]+, built on .+$`),
		regexp.MustCompile(`^Latency min/avg/max: \d+/\d+(\.\d+)?/\d+$`),
		regexp.MustCompile(`^Received: \d+$`),
		regexp.MustCompile(`^Sent: \d+$`),
		regexp.MustCompile(`^Connections: \d+$`),
		regexp.MustCompile(`^Outstanding: \d+$`),
		regexp.MustCompile(`^Zxid: 0x[0-9a-f]+$`),
		regexp.MustCompile(`^Mode: ` + wantMode() + `$`),
		regexp.MustCompile(`^Node count: \d+$`),
	}
	if wantMode() == "leader" {
		res = append(res, regexp.MustCompile(`^Proposal sizes last/min/max: -?\d+/-?\d+/-?\d+$`))
	}
	return res
}

func checkSrvrLines(t *testing.T, ls []string, zxid int64, nodes, conns int) {
	t.Helper()
	want := srvrRE()
	if len(ls) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(ls), len(want), strings.Join(ls, "\n"))
	}
	for i, re := range want {
		if !re.MatchString(ls[i]) {
			t.Fatalf("line %q does not match %v", ls[i], re)
		}
	}
	if !againstZK() {
		// zen's version must satisfy clients that parse it strictly.
		if !regexp.MustCompile(`^Zookeeper version: [A-Za-z0-9.\-]+, built on \d{4}-\d\d-\d\d \d\d:\d\d UTC$`).MatchString(ls[0]) {
			t.Fatalf("version line %q", ls[0])
		}
	}
	exact := map[int]string{
		4: fmt.Sprintf("Connections: %d", conns),
		5: "Outstanding: 0",
		6: fmt.Sprintf("Zxid: 0x%x", zxid),
		8: fmt.Sprintf("Node count: %d", nodes),
	}
	for i, w := range exact {
		if ls[i] != w {
			t.Fatalf("line %q, want %q", ls[i], w)
		}
	}
}

func TestFLWSrvr(t *testing.T) {
	f := newFLWFixture(t)
	// Node count 8: ZooKeeper counts the root twice (it is also stored
	// under ""), then /zookeeper, quota, config, /p, /q, /p/e. Connections:
	// the session and the 4lw connection itself.
	checkSrvrLines(t, lines(fourLetter(t, f.s.Addr, "srvr")), lastZxid(t, f.s.Addr), 8, 2)
}

func TestFLWStat(t *testing.T) {
	f := newFLWFixture(t)
	out := fourLetter(t, f.s.Addr, "stat")
	ls := lines(out)
	if len(ls) < 2 || ls[1] != "Clients:" {
		t.Fatalf("stat:\n%s", out)
	}
	client := regexp.MustCompile(`^ /127\.0\.0\.1:\d+\[\d+\]\(queued=\d+,recved=\d+,sent=\d+\)$`)
	i := 2
	for ; i < len(ls) && ls[i] != ""; i++ {
		if !client.MatchString(ls[i]) {
			t.Fatalf("client line %q", ls[i])
		}
	}
	if i-2 != 2 {
		t.Fatalf("%d client lines, want 2 (the session and this one):\n%s", i-2, out)
	}
	rest := append([]string{ls[0]}, ls[i+1:]...)
	checkSrvrLines(t, rest, lastZxid(t, f.s.Addr), 8, 2)
	// The session's line counts its packets: the handshake and 5 requests
	// in, as many out.
	local := f.c.C.LocalAddr().String()
	found := false
	for _, l := range ls[2:i] {
		if strings.HasPrefix(l, " /"+local+"[") {
			found = true
			if !strings.HasSuffix(l, "(queued=0,recved=6,sent=6)") {
				t.Fatalf("session line %q, want queued=0,recved=6,sent=6", l)
			}
		}
	}
	if !found {
		t.Fatalf("no line for %s:\n%s", local, out)
	}
}

func TestFLWMntr(t *testing.T) {
	f := newFLWFixture(t)
	out := fourLetter(t, f.s.Addr, "mntr")
	kv := map[string]string{}
	for _, l := range lines(out) {
		k, v, ok := strings.Cut(l, "\t")
		if !ok || !strings.HasPrefix(k, "zk_") {
			t.Fatalf("mntr line %q", l)
		}
		kv[k] = v
	}
	for _, k := range []string{"version", "server_state", "avg_latency", "max_latency", "min_latency",
		"packets_received", "packets_sent", "num_alive_connections", "outstanding_requests", "uptime",
		"znode_count", "watch_count", "ephemerals_count", "approximate_data_size", "global_sessions",
		"local_sessions", "open_file_descriptor_count", "max_file_descriptor_count",
		"connection_drop_probability", "last_client_response_size", "min_client_response_size",
		"max_client_response_size", "outstanding_tls_handshake", "auth_failed_count"} {
		if _, ok := kv["zk_"+k]; !ok {
			t.Errorf("mntr lacks zk_%s", k)
		}
	}
	want := map[string]string{
		"zk_server_state":                wantMode(),
		"zk_znode_count":                 "8",
		"zk_ephemerals_count":            "1",
		"zk_global_sessions":             "1",
		"zk_local_sessions":              "0",
		"zk_num_alive_connections":       "2",
		"zk_outstanding_requests":        "0",
		"zk_watch_count":                 "2",
		"zk_approximate_data_size":       "", // checked below
		"zk_connection_drop_probability": "0.0",
		"zk_auth_failed_count":           "0",
	}
	for k, w := range want {
		if w != "" && kv[k] != w {
			t.Errorf("%s = %q, want %q", k, kv[k], w)
		}
	}
	// Data size: path lengths plus data lengths, as ZK approximates it.
	if n, err := strconv.Atoi(kv["zk_approximate_data_size"]); err != nil || n <= 0 {
		t.Errorf("zk_approximate_data_size %q", kv["zk_approximate_data_size"])
	}
	if v := kv["zk_avg_latency"]; !regexp.MustCompile(`^\d+(\.\d+)?$`).MatchString(v) {
		t.Errorf("zk_avg_latency %q", v)
	}
}

func TestFLWConf(t *testing.T) {
	s := serve(t, opts{MaxClientCnxns: 17})
	out := fourLetter(t, s.Addr, "conf")
	// An ensemble member ends with "membership: " and the membership (no
	// final newline); every other line is key=value.
	membership := ""
	if before, after, ok := strings.Cut(out, "membership: \n"); ok {
		out, membership = before, after
	}
	if (membership != "") != (ensembleRole() != "") {
		t.Fatalf("conf membership %q on a %s", membership, wantMode())
	}
	if membership != "" {
		checkMembership(t, membership)
	}
	kv := map[string]string{}
	for _, l := range lines(out) {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("conf line %q", l)
		}
		kv[k] = v
	}
	_, port, _ := strings.Cut(s.Addr, ":")
	want := map[string]string{"tickTime": "200", "maxClientCnxns": "17", "minSessionTimeout": "400", "maxSessionTimeout": "4000",
		"clientPort": port}
	keys := []string{"clientPort", "dataDir", "dataLogDir", "serverId"}
	if ensembleRole() != "" {
		want["initLimit"], want["syncLimit"], want["electionAlg"] = "50", "25", "3"
		want["peerType"] = "0"
		if ensembleRole() == "observer" {
			want["peerType"] = "1"
		}
		keys = append(keys, "electionPort", "quorumPort")
	}
	for k, w := range want {
		if kv[k] != w {
			t.Errorf("conf %s=%q, want %q", k, kv[k], w)
		}
	}
	for _, k := range keys {
		if _, ok := kv[k]; !ok {
			t.Errorf("conf lacks %s", k)
		}
	}
}

func TestFLWCons(t *testing.T) {
	f := newFLWFixture(t)
	out := fourLetter(t, f.s.Addr, "cons")
	if !strings.HasSuffix(out, ")\n\n") {
		t.Fatalf("cons does not end with a blank line: %q", out)
	}
	local := f.c.C.LocalAddr().String()
	var line string
	for _, l := range lines(out) {
		if strings.HasPrefix(l, " /"+local+"[") {
			line = l
		}
	}
	re := regexp.MustCompile(`^ /127\.0\.0\.1:\d+\[\d+\]\(queued=0,recved=6,sent=6,sid=0x([0-9a-f]+),lop=(\w+),est=\d+,to=(\d+),lcxid=0x([0-9a-f]+),lzxid=0x([0-9a-f]+),lresp=\d+,llat=\d+,minlat=\d+,avglat=\d+,maxlat=\d+\)$`)
	m := re.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("session line %q in:\n%s", line, out)
	}
	want := []string{fmt.Sprintf("%x", f.c.SessionID), "GETD", strconv.Itoa(int(f.c.Timeout)), fmt.Sprintf("%x", f.lastXi), fmt.Sprintf("%x", lastZxid(t, f.s.Addr))}
	for i, w := range want {
		if m[i+1] != w {
			t.Fatalf("cons field %d = %q, want %q in %q", i, m[i+1], w, line)
		}
	}
	// ZooKeeper's short names for the newer ops.
	ops := []struct {
		op   proto.OpCode
		body []byte
		lop  string
	}{
		{proto.OpAddWatch, addWatchBody("/p", proto.AddWatchPersistent), "ADDW"},
		{proto.OpWhoAmI, nil, "HOMI"},
		{proto.OpGetEphemerals, pathOnly("/"), "GETE"},
		{proto.OpGetAllChildrenNumber, pathOnly("/"), "GETACN"},
		{proto.OpCheckWatches, watchesBody("/p", proto.WatcherAny), "CHKW"},
		{proto.OpRemoveWatches, watchesBody("/p", proto.WatcherAny), "REMW"},
		{proto.OpMultiRead, multiBody(), "MLTR"},
		{proto.OpMulti, multiBody(), "MULT"},
		{proto.OpDelete, deleteBody("/q", -1), "DELE"},
		{proto.OpSetACL, setACLBody("/p", openACL, -1), "SETA"},
	}
	lopRE := regexp.MustCompile(`^ /` + regexp.QuoteMeta(local) + `\[\d+\]\(.*,lop=(\w+),`)
	for _, o := range ops {
		f.c.call(o.op, o.body)
		var got string
		for _, l := range lines(fourLetter(t, f.s.Addr, "cons")) {
			if m := lopRE.FindStringSubmatch(l); m != nil {
				got = m[1]
			}
		}
		if got != o.lop {
			t.Errorf("lop after %v = %q, want %q", o.op, got, o.lop)
		}
	}
}

func TestFLWEnvi(t *testing.T) {
	s := start(t)
	ls := lines(fourLetter(t, s.Addr, "envi"))
	if ls[0] != "Environment:" {
		t.Fatalf("envi first line %q", ls[0])
	}
	kv := map[string]string{}
	for _, l := range ls[1:] {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("envi line %q", l)
		}
		kv[k] = v
	}
	for _, k := range []string{"zookeeper.version", "host.name", "os.name", "os.arch", "user.name", "user.home", "user.dir"} {
		if kv[k] == "" {
			t.Errorf("envi lacks %s", k)
		}
	}
}

// wchs, wchc and wchp report the data-table watches (getData, exists,
// addWatch), as ZooKeeper does: child watches are not listed.
func TestFLWWatches(t *testing.T) {
	s := start(t)
	a := dial(t, s.Addr)
	bb := dial(t, s.Addr)
	a.ok(proto.OpCreate, createBody("/x", nil, openACL, 0))
	a.ok(proto.OpCreate, createBody("/y", nil, openACL, 0))
	a.ok(proto.OpGetData, pathWatch("/x", true))
	a.fails(proto.OpExists, pathWatch("/missing", true), proto.ErrNoNode)
	a.ok(proto.OpGetChildren, pathWatch("/y", true)) // child table: not listed
	bb.ok(proto.OpExists, pathWatch("/x", true))
	if out := fourLetter(t, s.Addr, "wchs"); out != "2 connections watching 2 paths\nTotal watches:3\n" {
		t.Errorf("wchs %q", out)
	}
	// wchc: per session, its paths; wchp: per path, its sessions. Entry
	// order is unspecified; each block ends with a blank line.
	wantC := map[string][]string{fmt.Sprintf("0x%x", a.SessionID): {"/missing", "/x"}, fmt.Sprintf("0x%x", bb.SessionID): {"/x"}}
	checkWatchBlocks(t, "wchc", fourLetter(t, s.Addr, "wchc"), wantC)
	ids := []string{fmt.Sprintf("0x%x", a.SessionID), fmt.Sprintf("0x%x", bb.SessionID)}
	wantP := map[string][]string{"/x": ids, "/missing": ids[:1]}
	checkWatchBlocks(t, "wchp", fourLetter(t, s.Addr, "wchp"), wantP)
	// Fired watches disappear.
	a.ok(proto.OpSetData, setDataBody("/x", nil, -1))
	// (ZooKeeper goes on counting a connection whose watches all fired.)
	eventually(t, 5*time.Second, "wchs to drop the fired watches", func() bool {
		return strings.HasSuffix(fourLetter(t, s.Addr, "wchs"), " connections watching 1 paths\nTotal watches:1\n")
	})
}

// checkWatchBlocks parses "<key>\n\t<item>\n...\n" blocks followed by a
// blank line and compares them (as sets) with want.
func checkWatchBlocks(t *testing.T, cmd, out string, want map[string][]string) {
	t.Helper()
	if !strings.HasSuffix(out, "\n\n") {
		t.Errorf("%s does not end with a blank line: %q", cmd, out)
	}
	got := map[string][]string{}
	key := ""
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if item, ok := strings.CutPrefix(l, "\t"); ok {
			got[key] = append(got[key], item)
		} else if l != "" {
			key = l
			got[key] = got[key][:0:0]
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s %q, want %v", cmd, out, want)
		return
	}
	for k, w := range want {
		g := append([]string(nil), got[k]...)
		if !eqStrings(sortStrings(g), sortStrings(append([]string(nil), w...))) {
			t.Errorf("%s %q, want %v", cmd, out, want)
			return
		}
	}
}

func sortStrings(v []string) []string {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
	return v
}

func TestFLWDump(t *testing.T) {
	f := newFLWFixture(t)
	out := fourLetter(t, f.s.Addr, "dump")
	if !strings.HasPrefix(out, "SessionTracker dump:\n") {
		t.Fatalf("dump:\n%s", out)
	}
	sid := fmt.Sprintf("0x%x", f.c.SessionID)
	eph := fmt.Sprintf("ephemeral nodes dump:\nSessions with Ephemerals (1):\n%s:\n\t/p/e\n", sid)
	if !strings.Contains(out, eph) {
		t.Fatalf("dump lacks %q:\n%s", eph, out)
	}
	i := strings.Index(out, "ephemeral nodes dump:")
	if !strings.Contains(out[:i], sid) {
		t.Fatalf("session tracker part lacks %s:\n%s", sid, out)
	}
	// A learner tracks no expiry: it lists the global sessions with their
	// timeouts; a leader or standalone server its expiry buckets.
	tracker := "SessionTracker dump:\nSession Sets ("
	if r := ensembleRole(); r == "follower" || r == "observer" {
		tracker = "SessionTracker dump:\nGlobal Sessions("
		if line := fmt.Sprintf("\n%s\t%dms\n", sid, f.c.Timeout); !strings.Contains(out[:i], line) {
			t.Errorf("session tracker part lacks %q:\n%s", line, out)
		}
	}
	if !strings.HasPrefix(out, tracker) {
		t.Errorf("dump does not start with %q:\n%s", tracker, out)
	}
	if !strings.Contains(out[i:], "Connections dump:\n") {
		t.Fatalf("dump lacks the connections part:\n%s", out)
	}
}

// A known word outside the whitelist answers the refusal line; srvr is
// always allowed.
func TestFLWWhitelist(t *testing.T) {
	s := serve(t, opts{FourLetterWords: []string{"ruok"}})
	if out := fourLetter(t, s.Addr, "ruok"); out != "imok" {
		t.Fatalf("whitelisted ruok: %q", out)
	}
	if out := fourLetter(t, s.Addr, "srvr"); !strings.HasPrefix(out, "Zookeeper version: ") {
		t.Fatalf("srvr: %q", out)
	}
	for _, w := range []string{"stat", "mntr", "conf", "cons", "envi", "wchs", "wchc", "wchp", "dump", "isro", "crst", "srst", "dirs"} {
		if out := fourLetter(t, s.Addr, w); out != w+" is not executed because it is not in the whitelist.\n" {
			t.Errorf("%s: %q", w, out)
		}
	}
	// The default whitelist is srvr alone.
	s2 := serve(t, opts{FourLetterWords: []string{}})
	if out := fourLetter(t, s2.Addr, "ruok"); out != "ruok is not executed because it is not in the whitelist.\n" {
		t.Fatalf("ruok with the default whitelist: %q", out)
	}
	if out := fourLetter(t, s2.Addr, "srvr"); !strings.HasPrefix(out, "Zookeeper version: ") {
		t.Fatalf("srvr with the default whitelist: %q", out)
	}
}

// A four-letter word is only recognised as the first bytes of a new
// connection; after a handshake the same bytes are a frame length.
func TestFLWOnlyFirst(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	if err := c.Write([]byte("ruok")); err != nil {
		t.Fatal(err)
	}
	if !c.closedWithin(5 * time.Second) {
		t.Fatal("\"ruok\" after the handshake (a 1.9 GB frame length) did not close the connection")
	}
}

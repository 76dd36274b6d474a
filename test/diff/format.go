package diff

import (
	"crypto/sha1"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zen-coord/zen/proto"
)

// z normalises a zxid: -1 and 0 stay, zxids after the base become +N,
// earlier positive ones "pre".
func (r *Runner) z(v int64) string {
	switch {
	case v == -1 || v == 0:
		return strconv.FormatInt(v, 10)
	case v > r.Base:
		return "+" + strconv.FormatInt(v-r.Base, 10)
	case v > 0:
		return "pre"
	}
	return strconv.FormatInt(v, 10)
}

// sname names a session id: 0 stays 0, sessions of the scenario get the
// name of the connection that created them, others are "ctl" or unknown.
func (r *Runner) sname(id int64) string {
	if id == 0 {
		return "0"
	}
	if n, ok := r.names[id]; ok {
		return n
	}
	if r.ctl != nil && id == r.ctl.sid {
		return "ctl"
	}
	return fmt.Sprintf("unknown(%#x)", uint64(id))
}

// p normalises a path: the scenario's prefix becomes "~".
func (r *Runner) p(b []byte) string {
	s := string(b)
	if r.Prefix != "" {
		if s == r.Prefix {
			s = "~"
		} else if strings.HasPrefix(s, r.Prefix+"/") {
			s = "~" + s[len(r.Prefix):]
		}
	}
	return strconv.Quote(s)
}

func fmtErr(e proto.Err) string {
	if e == 0 {
		return "0"
	}
	return fmt.Sprintf("%d(%s)", int32(e), e.String())
}

var eventNames = map[proto.EventType]string{
	-1: "None", 1: "NodeCreated", 2: "NodeDeleted", 3: "NodeDataChanged", 4: "NodeChildrenChanged",
	5: "DataWatchRemoved", 6: "ChildWatchRemoved", 7: "PersistentWatchRemoved",
}

func (r *Runner) fmtEvent(h proto.ReplyHeader, body []byte) string {
	var ev proto.WatcherEvent
	rd := proto.NewReader(body)
	ev.Decode(&rd)
	if rd.Err() != nil {
		return fmt.Sprintf("event zx=%s err=%s undecodable %x", r.z(h.Zxid), fmtErr(h.Err), body)
	}
	name := eventNames[ev.Type]
	if name == "" {
		name = strconv.Itoa(int(ev.Type))
	}
	s := fmt.Sprintf("event %s %s state=%d zx=%s", name, r.p(ev.Path), ev.State, r.z(h.Zxid))
	if h.Err != 0 {
		s += " err=" + fmtErr(h.Err)
	}
	if rd.Remaining() > 0 {
		s += fmt.Sprintf(" trailing=%x", body[rd.Offset():])
	}
	return s
}

// stat formats a Stat with zxids, owners and times normalised. Times are
// reduced to relations: t=0 (both zero), t=same (mtime==ctime, required
// when mzxid==czxid), t=later (mtime>=ctime after a setData), plus "!" forms
// for impossible combinations and ct=bad when ctime is not a recent wall
// clock time in ms.
func (r *Runner) stat(s *proto.Stat) string {
	var t string
	now := time.Now().UnixMilli()
	switch {
	case s.Ctime == 0 && s.Mtime == 0:
		t = "0"
	case s.Ctime < now-3600_000 || s.Ctime > now+3600_000:
		t = "ctime-not-now!"
	case s.Mzxid == s.Czxid && s.Mtime == s.Ctime:
		t = "same"
	case s.Mzxid == s.Czxid:
		t = "differ!"
	case s.Mtime >= s.Ctime:
		t = "later"
	default:
		t = "earlier!"
	}
	return fmt.Sprintf("{cz=%s mz=%s pz=%s t=%s v=%d cv=%d av=%d eph=%s dl=%d nc=%d}",
		r.z(s.Czxid), r.z(s.Mzxid), r.z(s.Pzxid), t, s.Version, s.Cversion, s.Aversion,
		r.sname(s.EphemeralOwner), s.DataLength, s.NumChildren)
}

// membershipPortsRe finds the ports of an ensemble's membership lines
// (/zookeeper/config): they differ between zen's and ZooKeeper's ensembles.
var membershipPortsRe = regexp.MustCompile(`(?m)^(server\.\d+=[^:\n]+):\d+:\d+:`)

// maskMembership replaces the quorum and election ports of membership
// lines by "P".
func maskMembership(b []byte) []byte {
	return membershipPortsRe.ReplaceAll(b, []byte("$1:P:P:"))
}

// d formats znode data: null, quoted text, or length and digest for long
// or binary data.
func d(b []byte, null bool) string {
	if null {
		return "null"
	}
	b = maskMembership(b)
	if len(b) <= 64 {
		return strconv.Quote(string(b))
	}
	h := sha1.Sum(b)
	return fmt.Sprintf("len=%d sha1=%x", len(b), h[:6])
}

func (r *Runner) names2(v [][]byte, sorted bool) string {
	out := make([]string, len(v))
	for i, b := range v {
		out[i] = r.p(b)
	}
	if sorted {
		sort.Strings(out)
	}
	return "[" + strings.Join(out, " ") + "]"
}

func fmtACL(acl []proto.ACL, null bool) string {
	if null {
		return "null"
	}
	var parts []string
	for _, a := range acl {
		parts = append(parts, fmt.Sprintf("%d:%s:%s", a.Perms, a.Scheme, a.ID))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

var opNames = map[proto.OpCode]string{}

func init() {
	for k, v := range requestOps {
		if v != 0 {
			opNames[v] = k
		}
	}
	opNames[proto.OpCreate] = "create"
	opNames[proto.OpGetData] = "get"
	opNames[proto.OpSetWatches] = "setwatches"
	opNames[proto.OpError] = "error"
	opNames[proto.OpNotification] = "op0"
}

func opName(op proto.OpCode) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	return "op" + strconv.Itoa(int(op))
}

// fmtReply formats a reply to pending request p.
func (r *Runner) fmtReply(p pend, h proto.ReplyHeader, body []byte) string {
	s := fmt.Sprintf("reply %s xid=%d zx=%s err=%s", opName(p.op), h.Xid, r.z(h.Zxid), fmtErr(h.Err))
	if len(body) == 0 {
		return s
	}
	if h.Err != 0 && p.as != proto.OpSASL {
		return s + fmt.Sprintf(" body-on-error=%x", body)
	}
	rd := proto.NewReader(body)
	b := r.fmtBody(p.as, &rd)
	if rd.Err() != nil {
		return s + fmt.Sprintf(" undecodable(%v)=%x", rd.Err(), body)
	}
	if b != "" {
		s += " " + b
	}
	if rd.Remaining() > 0 {
		s += fmt.Sprintf(" trailing=%x", body[rd.Offset():])
	}
	return s
}

// fmtBody decodes and formats a response record of op type op.
func (r *Runner) fmtBody(op proto.OpCode, rd *proto.Reader) string {
	switch op {
	case proto.OpCreate, proto.OpSync:
		return "path=" + r.p(rd.Bytes())
	case proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
		var v proto.Create2Response
		v.Decode(rd)
		return "path=" + r.p(v.Path) + " stat=" + r.stat(&v.Stat)
	case proto.OpExists, proto.OpSetData, proto.OpSetACL:
		var v proto.StatResponse
		v.Decode(rd)
		return "stat=" + r.stat(&v.Stat)
	case proto.OpGetData, proto.OpReconfig:
		var v proto.GetDataResponse
		v.Decode(rd)
		return "data=" + d(v.Data, v.DataNull) + " stat=" + r.stat(&v.Stat)
	case proto.OpGetACL:
		acl, null := proto.ReadACLs(rd)
		var st proto.Stat
		st.Decode(rd)
		return "acl=" + fmtACL(acl, null) + " stat=" + r.stat(&st)
	case proto.OpGetChildren:
		return "children=" + r.names2(rd.BytesVector(nil), true)
	case proto.OpGetChildren2:
		var v proto.GetChildren2Response
		v.Decode(rd)
		return "children=" + r.names2(v.Children, true) + " stat=" + r.stat(&v.Stat)
	case proto.OpMulti, proto.OpMultiRead:
		return r.fmtMulti(rd)
	case proto.OpSASL:
		b, null := rd.Buffer()
		return "token=" + d(b, null)
	case proto.OpGetEphemerals:
		return "ephemerals=" + r.names2(rd.BytesVector(nil), true)
	case proto.OpGetAllChildrenNumber:
		return fmt.Sprintf("count=%d", rd.Int())
	case proto.OpAddWatch:
		return fmt.Sprintf("errbody=%d", rd.Int())
	case proto.OpWhoAmI:
		n, null := rd.VectorLen()
		if null {
			return "whoami=null"
		}
		var parts []string
		for i := 0; i < n && rd.Err() == nil; i++ {
			var ci proto.ClientInfo
			ci.Decode(rd)
			parts = append(parts, ci.AuthScheme+":"+ci.User)
		}
		// ZooKeeper keeps a connection's ids in a hash set: order is not
		// part of the behaviour.
		sort.Strings(parts)
		return "whoami=[" + strings.Join(parts, " ") + "]"
	}
	return ""
}

func (r *Runner) fmtMulti(rd *proto.Reader) string {
	var parts []string
	for i := 0; rd.Err() == nil; i++ {
		var h proto.MultiHeader
		h.Decode(rd)
		if rd.Err() != nil {
			break
		}
		if h.Done {
			parts = append(parts, fmt.Sprintf("end(%d,%d)", h.Type, h.Err))
			break
		}
		s := fmt.Sprintf("%s", opName(h.Type))
		if h.Err != 0 {
			s += " hdrerr=" + fmtErr(h.Err)
		}
		switch h.Type {
		case proto.OpError:
			s += " err=" + fmtErr(proto.Err(rd.Int()))
		case proto.OpDelete, proto.OpCheck:
		default:
			if b := r.fmtBody(h.Type, rd); b != "" {
				s += " " + b
			}
		}
		parts = append(parts, "("+s+")")
	}
	return "results=[" + strings.Join(parts, " ") + "]"
}

// 4lw normalisation modes:
//
//	exact  the text, with session ids, the scenario prefix and zxids normalised
//	mask   exact plus every digit run masked to N (values are not compared)
//	keys   the sorted set of keys (mntr: before the tab; conf/envi: before '=')
//	dump   mask, without the expiry-bucket lines and the session lists under
//	       them (their number depends on timing)
//	blocks like exact, but header lines with their tab-indented items are
//	       sorted (wchc/wchp print hash-ordered maps)
var fourLetterModes = map[string]string{
	"ruok": "exact", "isro": "exact", "gtmk": "exact", "stmk": "exact", "crst": "exact", "srst": "exact",
	"wchs": "exact", "wchc": "blocks", "wchp": "blocks",
	"conf": "keys", "envi": "keys", "mntr": "keys",
	"srvr": "mask", "stat": "mask", "cons": "mask", "dump": "dump", "dirs": "mask", "hash": "mask",
}

func defaultMode(cmd string) string {
	if len(cmd) > 4 {
		cmd = cmd[:4]
	}
	if m, ok := fourLetterModes[cmd]; ok {
		return m
	}
	return "exact"
}

var (
	hexIDRe = regexp.MustCompile(`0x[0-9a-fA-F]+`)
	// versionRe is the srvr/stat version line of ZooKeeper 3.5+; both
	// servers must use this form, the values are not compared.
	versionRe = regexp.MustCompile(`^Zookeeper version: [^,]+, built on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$`)
	digitsRe  = regexp.MustCompile(`[0-9]+`)
	// learnerKeyRe matches the server id in mntr's per-learner keys
	// (zk_avg_2_learner_handler_qp_size, ...).
	learnerKeyRe = regexp.MustCompile(`^(zk_(?:avg|min|max|cnt|sum)_)\d+_(learner_handler_qp_)`)
)

func (r *Runner) norm4lw(cmd, mode, out string) []string {
	// Session ids (printed as 0x%x) become names.
	out = hexIDRe.ReplaceAllStringFunc(out, func(h string) string {
		v, err := strconv.ParseUint(h[2:], 16, 64)
		if err != nil {
			return h
		}
		if n, ok := r.names[int64(v)]; ok {
			return "<" + n + ">"
		}
		if r.ctl != nil && int64(v) == r.ctl.sid {
			return "<ctl>"
		}
		return h
	})
	if r.Prefix != "" {
		out = strings.ReplaceAll(out, r.Prefix+"/", "~/")
		out = regexp.MustCompile(regexp.QuoteMeta(r.Prefix)+`\b`).ReplaceAllString(out, "~")
	}
	lines := strings.Split(out, "\n")
	if out == "" {
		return []string{"(no output)"}
	}
	for i, l := range lines {
		if versionRe.MatchString(l) {
			lines[i] = "Zookeeper version: <version>, built on <yyyy-MM-dd HH:mm> UTC"
		}
		if strings.HasPrefix(l, "Zxid: 0x") {
			if v, err := strconv.ParseInt(l[8:], 16, 64); err == nil {
				lines[i] = "Zxid: " + r.z(v)
			}
		}
	}
	var res []string
	if strings.HasPrefix(mode, "has:") {
		have := map[string]bool{}
		for _, l := range lines {
			if i := strings.IndexAny(l, "\t="); i >= 0 {
				have[l[:i]] = true
			}
		}
		for _, k := range strings.Split(mode[4:], ",") {
			if have[k] {
				res = append(res, k+" present")
			} else {
				res = append(res, k+" MISSING")
			}
		}
		return res
	}
	switch mode {
	case "exact":
		res = lines
	case "dump":
		for _, l := range lines {
			if strings.Contains(l, " expire at ") || strings.Contains(l, "sessionId:") || strings.HasPrefix(l, "\t<") {
				continue
			}
			l = hexIDRe.ReplaceAllString(l, "0xH")
			res = append(res, digitsRe.ReplaceAllString(l, "N"))
		}
	case "mask":
		for _, l := range lines {
			l = hexIDRe.ReplaceAllString(l, "0xH")
			res = append(res, digitsRe.ReplaceAllString(l, "N"))
		}
		// Connection lists (stat, cons) come in hash order: sort each run
		// of " /ip:port…" lines.
		for i := 0; i < len(res); {
			j := i
			for j < len(res) && strings.HasPrefix(res[j], " /") {
				j++
			}
			if j > i {
				sort.Strings(res[i:j])
				i = j
			} else {
				i++
			}
		}
	case "keys":
		seen := map[string]bool{}
		for _, l := range lines {
			k := l
			if i := strings.IndexAny(l, "\t="); i >= 0 {
				k = l[:i]
			}
			// A leader's per-learner keys carry the learners' server
			// ids, which depend on who won the election.
			k = learnerKeyRe.ReplaceAllString(k, "${1}<learner>_${2}")
			if k != "" && !seen[k] {
				seen[k] = true
				res = append(res, k)
			}
		}
		sort.Strings(res)
	case "blocks":
		var blocks []string
		var cur []string
		flush := func() {
			if cur == nil {
				return
			}
			items := append([]string(nil), cur[1:]...)
			sort.Strings(items)
			blocks = append(blocks, strings.Join(append([]string{cur[0]}, items...), "\n"))
			cur = nil
		}
		for _, l := range lines {
			if strings.HasPrefix(l, "\t") {
				cur = append(cur, l)
				continue
			}
			flush()
			cur = []string{l}
		}
		flush()
		sort.Strings(blocks)
		for _, b := range blocks {
			res = append(res, strings.Split(b, "\n")...)
		}
	default:
		res = lines
	}
	for i, l := range res {
		res[i] = strconv.Quote(l)
	}
	return res
}

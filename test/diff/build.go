package diff

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/zen-coord/zen/proto"
)

// requestOps maps a step command to the opcode it sends.
var requestOps = map[string]proto.OpCode{
	"create":          proto.OpCreate,
	"create2":         proto.OpCreate2,
	"createcontainer": proto.OpCreateContainer,
	"createttl":       proto.OpCreateTTL,
	"delete":          proto.OpDelete,
	"exists":          proto.OpExists,
	"get":             proto.OpGetData,
	"set":             proto.OpSetData,
	"getacl":          proto.OpGetACL,
	"setacl":          proto.OpSetACL,
	"ls":              proto.OpGetChildren,
	"ls2":             proto.OpGetChildren2,
	"sync":            proto.OpSync,
	"ping":            proto.OpPing,
	"check":           proto.OpCheck,
	"multi":           proto.OpMulti,
	"multiread":       proto.OpMultiRead,
	"reconfig":        proto.OpReconfig,
	"checkwatches":    proto.OpCheckWatches,
	"removewatches":   proto.OpRemoveWatches,
	"deletecontainer": proto.OpDeleteContainer,
	"auth":            proto.OpAuth,
	"setwatches":      proto.OpSetWatches,
	"setwatches2":     proto.OpSetWatches2,
	"sasl":            proto.OpSASL,
	"ephemerals":      proto.OpGetEphemerals,
	"count":           proto.OpGetAllChildrenNumber,
	"addwatch":        proto.OpAddWatch,
	"whoami":          proto.OpWhoAmI,
	"closesession":    proto.OpCloseSession,
	"raw":             0,
}

// path converts a path token: "/x" is relative to the scenario's subtree,
// "^/x" is absolute, "null" is a null ustring (returned as nil), anything
// else is sent as is.
func (r *Runner) path(t Tok) []byte {
	s := t.S
	if !t.Quoted && s == "null" {
		return nil
	}
	if strings.HasPrefix(s, "^") {
		return []byte(s[1:])
	}
	if strings.HasPrefix(s, "/") && r.Prefix != "" {
		if s == "/" {
			return []byte(r.Prefix)
		}
		return []byte(r.Prefix + s)
	}
	return []byte(s)
}

func appendUstring(b, s []byte) []byte {
	if s == nil {
		return proto.AppendInt(b, -1)
	}
	return proto.AppendBytes(b, s)
}

// data parses a data token: null, empty, x:HEX, big:N (N pattern bytes) or
// the literal bytes.
func data(t Tok) ([]byte, bool, error) {
	if !t.Quoted {
		switch {
		case t.S == "null":
			return nil, true, nil
		case t.S == "empty":
			return []byte{}, false, nil
		case strings.HasPrefix(t.S, "x:"):
			b, err := parseHex(t.S[2:])
			return b, false, err
		case strings.HasPrefix(t.S, "big:"):
			n, err := strconv.Atoi(t.S[4:])
			if err != nil {
				return nil, false, err
			}
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('a' + i%26)
			}
			return b, false, nil
		}
	}
	return []byte(t.S), false, nil
}

func parseHex(s string) ([]byte, error) {
	s = strings.ReplaceAll(s, "_", "")
	return hex.DecodeString(s)
}

// aclTok parses an ACL token: open, read, creator, none (empty vector), null
// (null vector), bare perms (world:anyone with those perms, e.g. "rw"), or a
// comma list of perms:scheme:id where perms is a number
// or letters from "rwcda" ("all" = 31) and a digest id "@user:pass" is
// replaced by its hashed form.
func aclTok(s string) ([]proto.ACL, bool, error) {
	switch s {
	case "open":
		return proto.OpenACL, false, nil
	case "read":
		return proto.ReadACL, false, nil
	case "creator":
		return []proto.ACL{{Perms: proto.PermAll, Scheme: "auth", ID: ""}}, false, nil
	case "none":
		return []proto.ACL{}, false, nil
	case "null":
		return nil, true, nil
	}
	if !strings.Contains(s, ":") {
		// Bare perms: world:anyone with those perms.
		p, err := perms(s)
		if err != nil {
			return nil, false, err
		}
		return []proto.ACL{{Perms: p, Scheme: "world", ID: "anyone"}}, false, nil
	}
	var out []proto.ACL
	for _, e := range strings.Split(s, ",") {
		parts := strings.SplitN(e, ":", 3)
		if len(parts) < 2 {
			return nil, false, fmt.Errorf("bad ACL entry %q (want perms:scheme:id)", e)
		}
		perms, err := perms(parts[0])
		if err != nil {
			return nil, false, err
		}
		id := ""
		if len(parts) == 3 {
			id = parts[2]
		}
		if parts[1] == "digest" && strings.HasPrefix(id, "@") {
			id = DigestID(id[1:])
		}
		out = append(out, proto.ACL{Perms: perms, Scheme: parts[1], ID: id})
	}
	return out, false, nil
}

func perms(s string) (int32, error) {
	if n, err := strconv.ParseInt(s, 0, 32); err == nil {
		return int32(n), nil
	}
	if s == "all" {
		return proto.PermAll, nil
	}
	var p int32
	for _, c := range s {
		switch c {
		case 'r':
			p |= proto.PermRead
		case 'w':
			p |= proto.PermWrite
		case 'c':
			p |= proto.PermCreate
		case 'd':
			p |= proto.PermDelete
		case 'a':
			p |= proto.PermAdmin
		default:
			return 0, fmt.Errorf("bad perms %q", s)
		}
	}
	return p, nil
}

func appendACLs(b []byte, acl []proto.ACL, null bool) []byte {
	if null {
		return proto.AppendInt(b, -1)
	}
	return proto.AppendACLs(b, acl)
}

var flagNames = map[string]int32{
	"persistent": 0, "ephemeral": 1, "seq": 2, "eseq": 3, "container": 4, "ttl": 5, "ttlseq": 6,
}

func flagsTok(s string) (int32, error) {
	if v, ok := flagNames[s]; ok {
		return v, nil
	}
	n, err := strconv.ParseInt(s, 0, 32)
	return int32(n), err
}

var watcherTypes = map[string]int32{
	"children": 1, "data": 2, "any": 3, "persistent": 4, "recursive": 5,
}

func watcherType(s string) (int32, error) {
	if v, ok := watcherTypes[s]; ok {
		return v, nil
	}
	n, err := strconv.ParseInt(s, 0, 32)
	return int32(n), err
}

// zxidArg parses a zxid: +N / -N relative to the base, or an absolute
// number (decimal or 0x hex).
func (r *Runner) zxidArg(s string) (int64, error) {
	if strings.HasPrefix(s, "+") {
		n, err := strconv.ParseInt(s[1:], 0, 64)
		return r.Base + n, err
	}
	if strings.HasPrefix(s, "base-") {
		n, err := strconv.ParseInt(s[5:], 0, 64)
		return r.Base - n, err
	}
	return strconv.ParseInt(s, 0, 64)
}

func (r *Runner) pathList(s string) [][]byte {
	if s == "" {
		return [][]byte{}
	}
	var out [][]byte
	for _, p := range strings.Split(s, ",") {
		out = append(out, r.path(Tok{S: p}))
	}
	return out
}

func appendPathVector(b []byte, v [][]byte) []byte {
	b = proto.AppendInt(b, int32(len(v)))
	for _, p := range v {
		b = appendUstring(b, p)
	}
	return b
}

// typedBytes encodes a sequence of typed tokens: s:STR (ustring, a path
// when it starts with / or ^), snull (null ustring), i:N (int), l:N (long),
// b:N (one byte), x:HEX (raw bytes), d:DATA (buffer, see data), str:TEXT
// (raw bytes of TEXT), or a quoted string (raw bytes).
func (r *Runner) typedBytes(toks []Tok) ([]byte, error) {
	var b []byte
	for _, t := range toks {
		if t.Quoted {
			b = append(b, t.S...)
			continue
		}
		s := t.S
		switch {
		case s == "snull":
			b = proto.AppendInt(b, -1)
		case strings.HasPrefix(s, "s:"):
			b = appendUstring(b, r.path(Tok{S: s[2:]}))
		case strings.HasPrefix(s, "i:"):
			n, err := strconv.ParseInt(s[2:], 0, 64)
			if err != nil {
				return nil, err
			}
			b = proto.AppendInt(b, int32(n))
		case strings.HasPrefix(s, "l:"):
			v := s[2:]
			var n int64
			var err error
			if strings.HasPrefix(v, "+") || strings.HasPrefix(v, "base-") {
				n, err = r.zxidArg(v)
			} else {
				n, err = strconv.ParseInt(v, 0, 64)
			}
			if err != nil {
				return nil, err
			}
			b = proto.AppendLong(b, n)
		case strings.HasPrefix(s, "b:"):
			n, err := strconv.ParseInt(s[2:], 0, 16)
			if err != nil {
				return nil, err
			}
			b = append(b, byte(n))
		case strings.HasPrefix(s, "x:"):
			h, err := parseHex(s[2:])
			if err != nil {
				return nil, err
			}
			b = append(b, h...)
		case strings.HasPrefix(s, "d:"):
			d, null, err := data(Tok{S: s[2:]})
			if err != nil {
				return nil, err
			}
			b = proto.AppendBuffer(b, d, null)
		case strings.HasPrefix(s, "str:"):
			b = append(b, s[4:]...)
		case s == "sid":
			return nil, fmt.Errorf("sid needs a session: sid:s1")
		case strings.HasPrefix(s, "sid:"):
			id, ok := r.ids[s[4:]]
			if !ok {
				return nil, fmt.Errorf("unknown session %q", s[4:])
			}
			b = proto.AppendLong(b, id)
		default:
			return nil, fmt.Errorf("bad typed token %q", s)
		}
	}
	return b, nil
}

// build encodes the request of a step (a top-level step or an element of a
// pipe or connect group).
func (r *Runner) build(cn *Conn, st *Step) (*request, error) {
	op, ok := requestOps[st.Cmd]
	if !ok {
		return nil, fmt.Errorf("%q is not a request", st.Cmd)
	}
	q := &request{op: op}
	if t, ok := st.opt("op"); ok {
		n, err := strconv.ParseInt(t.S, 0, 32)
		if err != nil {
			return nil, err
		}
		q.op = proto.OpCode(n)
	}
	if t, ok := st.opt("xid"); ok {
		n, err := strconv.ParseInt(t.S, 0, 32)
		if err != nil {
			return nil, err
		}
		q.xid, q.hasXid = int32(n), true
	}
	var err error
	switch st.Cmd {
	case "create", "create2", "createcontainer", "createttl":
		q.body, err = r.createBody(st, q.op)
	case "delete", "check":
		q.body, err = r.pathVersion(st)
	case "exists", "get", "ls", "ls2":
		p, ok := st.arg(0)
		if !ok {
			return nil, fmt.Errorf("%s: missing path", st.Cmd)
		}
		q.body = appendUstring(nil, r.path(p))
		q.body = proto.AppendBool(q.body, st.hasFlag("watch"))
	case "set":
		q.body, err = r.setBody(st)
	case "getacl", "sync", "count", "deletecontainer":
		p, ok := st.arg(0)
		if !ok {
			return nil, fmt.Errorf("%s: missing path", st.Cmd)
		}
		q.body = appendUstring(nil, r.path(p))
	case "ephemerals":
		p, ok := st.arg(0)
		if !ok {
			p = Tok{S: "/"}
		}
		q.body = appendUstring(nil, r.path(p))
	case "setacl":
		p, ok1 := st.arg(0)
		a, ok2 := st.arg(1)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("setacl PATH ACL [VERSION]")
		}
		acl, null, err := aclTok(a.S)
		if err != nil {
			return nil, err
		}
		v := int64(-1)
		if t, ok := st.arg(2); ok {
			v, err = strconv.ParseInt(t.S, 0, 32)
			if err != nil {
				return nil, err
			}
		}
		q.body = appendUstring(nil, r.path(p))
		q.body = appendACLs(q.body, acl, null)
		q.body = proto.AppendInt(q.body, int32(v))
	case "ping":
		if !q.hasXid {
			q.xid, q.hasXid = proto.XidPing, true
		}
	case "closesession", "whoami":
	case "auth":
		if !q.hasXid {
			q.xid, q.hasXid = proto.XidAuth, true
		}
		s, ok1 := st.arg(0)
		a, ok2 := st.arg(1)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("auth SCHEME DATA")
		}
		d, null, err := data(a)
		if err != nil {
			return nil, err
		}
		typ := int64(0)
		if t, ok := st.opt("type"); ok {
			typ, _ = strconv.ParseInt(t.S, 0, 32)
		}
		q.body = proto.AppendInt(nil, int32(typ))
		q.body = appendUstring(q.body, []byte(s.S))
		q.body = proto.AppendBuffer(q.body, d, null)
	case "multi", "multiread":
		q.body, err = r.multiBody(st)
	case "reconfig":
		for _, k := range []string{"join", "leave", "members"} {
			if t, ok := st.opt(k); ok {
				q.body = appendUstring(q.body, []byte(t.S))
			} else {
				q.body = appendUstring(q.body, nil)
			}
		}
		cfg := int64(-1)
		if t, ok := st.opt("config"); ok {
			cfg, err = strconv.ParseInt(t.S, 0, 64)
		}
		q.body = proto.AppendLong(q.body, cfg)
	case "checkwatches", "removewatches", "addwatch":
		p, ok1 := st.arg(0)
		m, ok2 := st.arg(1)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%s PATH TYPE", st.Cmd)
		}
		var typ int32
		if st.Cmd == "addwatch" {
			switch m.S {
			case "persistent":
				typ = 0
			case "recursive":
				typ = 1
			default:
				n, err := strconv.ParseInt(m.S, 0, 32)
				if err != nil {
					return nil, err
				}
				typ = int32(n)
			}
		} else if typ, err = watcherType(m.S); err != nil {
			return nil, err
		}
		q.body = appendUstring(nil, r.path(p))
		q.body = proto.AppendInt(q.body, typ)
	case "setwatches", "setwatches2":
		rel, ok := st.arg(0)
		if !ok {
			return nil, fmt.Errorf("%s RELZXID [data=…] [exist=…] [child=…]", st.Cmd)
		}
		z, err := r.zxidArg(rel.S)
		if err != nil {
			return nil, err
		}
		q.body = proto.AppendLong(nil, z)
		keys := []string{"data", "exist", "child"}
		if st.Cmd == "setwatches2" {
			keys = append(keys, "persistent", "recursive")
		}
		for _, k := range keys {
			t := st.Opts[k]
			q.body = appendPathVector(q.body, r.pathList(t.S))
		}
	case "sasl":
		d := Tok{S: "null"}
		if t, ok := st.arg(0); ok {
			d = t
		}
		b, null, err := data(d)
		if err != nil {
			return nil, err
		}
		q.body = proto.AppendBuffer(nil, b, null)
	case "raw":
		t, ok := st.arg(0)
		if !ok {
			return nil, fmt.Errorf("raw OPCODE [typed tokens]")
		}
		n, err := strconv.ParseInt(t.S, 0, 32)
		if err != nil {
			return nil, err
		}
		q.op = proto.OpCode(n)
		q.body, err = r.typedBytes(st.Args[1:])
		if err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	q.as = q.op
	if t, ok := st.opt("as"); ok {
		n, err := strconv.ParseInt(t.S, 0, 32)
		if err != nil {
			return nil, err
		}
		q.as = proto.OpCode(n)
	}
	return q, nil
}

func (r *Runner) createBody(st *Step, op proto.OpCode) ([]byte, error) {
	p, ok := st.arg(0)
	if !ok {
		return nil, fmt.Errorf("%s: missing path", st.Cmd)
	}
	d := Tok{S: "empty"}
	if t, ok := st.arg(1); ok {
		d = t
	}
	dt, null, err := data(d)
	if err != nil {
		return nil, err
	}
	flags := int32(0)
	switch st.Cmd {
	case "createcontainer":
		flags = proto.FlagContainer
	case "createttl":
		flags = proto.FlagPersistentWithTTL
	}
	if t, ok := st.opt("flags"); ok {
		if flags, err = flagsTok(t.S); err != nil {
			return nil, err
		}
	}
	aclS := "open"
	if t, ok := st.opt("acl"); ok {
		aclS = t.S
	}
	acl, aclNull, err := aclTok(aclS)
	if err != nil {
		return nil, err
	}
	b := appendUstring(nil, r.path(p))
	b = proto.AppendBuffer(b, dt, null)
	b = appendACLs(b, acl, aclNull)
	b = proto.AppendInt(b, flags)
	_, hasTTL := st.opt("ttl")
	if op == proto.OpCreateTTL || hasTTL {
		ttl := int64(0)
		if t, ok := st.opt("ttl"); ok {
			if ttl, err = strconv.ParseInt(t.S, 0, 64); err != nil {
				return nil, err
			}
		}
		b = proto.AppendLong(b, ttl)
	}
	return b, nil
}

func (r *Runner) pathVersion(st *Step) ([]byte, error) {
	p, ok := st.arg(0)
	if !ok {
		return nil, fmt.Errorf("%s: missing path", st.Cmd)
	}
	v := int64(-1)
	if t, ok := st.arg(1); ok {
		var err error
		if v, err = strconv.ParseInt(t.S, 0, 32); err != nil {
			return nil, err
		}
	}
	b := appendUstring(nil, r.path(p))
	return proto.AppendInt(b, int32(v)), nil
}

func (r *Runner) setBody(st *Step) ([]byte, error) {
	p, ok1 := st.arg(0)
	d, ok2 := st.arg(1)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("set PATH DATA [VERSION]")
	}
	dt, null, err := data(d)
	if err != nil {
		return nil, err
	}
	v := int64(-1)
	if t, ok := st.arg(2); ok {
		if v, err = strconv.ParseInt(t.S, 0, 32); err != nil {
			return nil, err
		}
	}
	b := appendUstring(nil, r.path(p))
	b = proto.AppendBuffer(b, dt, null)
	return proto.AppendInt(b, int32(v)), nil
}

// multiBody encodes a MultiOperationRecord from the step's group. Each
// element is a request step (create, create2, createcontainer, createttl,
// delete, set, check, get, ls, or raw OPCODE TOKENS for an arbitrary op
// header followed by arbitrary bytes). Option noend omits the terminator.
func (r *Runner) multiBody(st *Step) ([]byte, error) {
	var b []byte
	for _, sub := range st.Sub {
		op := requestOps[sub.Cmd]
		if t, ok := sub.opt("op"); ok {
			n, err := strconv.ParseInt(t.S, 0, 32)
			if err != nil {
				return nil, err
			}
			op = proto.OpCode(n)
		}
		var body []byte
		var err error
		switch sub.Cmd {
		case "create", "create2", "createcontainer", "createttl":
			body, err = r.createBody(sub, op)
		case "delete", "check":
			body, err = r.pathVersion(sub)
		case "set":
			body, err = r.setBody(sub)
		case "get", "ls", "exists", "ls2":
			p, ok := sub.arg(0)
			if !ok {
				return nil, fmt.Errorf("%s: missing path", sub.Cmd)
			}
			body = appendUstring(nil, r.path(p))
			body = proto.AppendBool(body, sub.hasFlag("watch"))
		case "getacl", "sync", "count":
			p, ok := sub.arg(0)
			if !ok {
				return nil, fmt.Errorf("%s: missing path", sub.Cmd)
			}
			body = appendUstring(nil, r.path(p))
		case "raw":
			t, ok := sub.arg(0)
			if !ok {
				return nil, fmt.Errorf("raw OPCODE [typed tokens]")
			}
			n, err2 := strconv.ParseInt(t.S, 0, 32)
			if err2 != nil {
				return nil, err2
			}
			op = proto.OpCode(n)
			body, err = r.typedBytes(sub.Args[1:])
		default:
			return nil, fmt.Errorf("%s not supported inside a multi", sub.Cmd)
		}
		if err != nil {
			return nil, err
		}
		b = proto.AppendMultiHeader(b, op, false, -1)
		b = append(b, body...)
	}
	if !st.hasFlagOpt("noend") {
		b = proto.AppendMultiEnd(b)
	}
	return b, nil
}

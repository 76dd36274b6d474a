package proto

// Stat is a znode's metadata as clients see it (68 bytes on the wire).
type Stat struct {
	Czxid          int64
	Mzxid          int64
	Ctime          int64
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner int64
	DataLength     int32
	NumChildren    int32
	Pzxid          int64
}

// StatSize is the encoded size of a Stat.
const StatSize = 68

// Decode reads a Stat.
func (s *Stat) Decode(r *Reader) {
	s.Czxid = r.Long()
	s.Mzxid = r.Long()
	s.Ctime = r.Long()
	s.Mtime = r.Long()
	s.Version = r.Int()
	s.Cversion = r.Int()
	s.Aversion = r.Int()
	s.EphemeralOwner = r.Long()
	s.DataLength = r.Int()
	s.NumChildren = r.Int()
	s.Pzxid = r.Long()
}

// AppendStat appends s.
func AppendStat(b []byte, s *Stat) []byte {
	b = AppendLong(b, s.Czxid)
	b = AppendLong(b, s.Mzxid)
	b = AppendLong(b, s.Ctime)
	b = AppendLong(b, s.Mtime)
	b = AppendInt(b, s.Version)
	b = AppendInt(b, s.Cversion)
	b = AppendInt(b, s.Aversion)
	b = AppendLong(b, s.EphemeralOwner)
	b = AppendInt(b, s.DataLength)
	b = AppendInt(b, s.NumChildren)
	return AppendLong(b, s.Pzxid)
}

// ID is an ACL identity (scheme:id).
type ID struct {
	Scheme string
	ID     string
}

// ACL is one access control entry.
type ACL struct {
	Perms  int32
	Scheme string
	ID     string
}

// ReadACLs reads a vector<ACL>. A null vector returns (nil, true).
func ReadACLs(r *Reader) (acl []ACL, null bool) {
	n, null := r.VectorLen()
	if null || r.Err() != nil {
		return nil, null
	}
	acl = make([]ACL, 0, n)
	for i := 0; i < n && r.Err() == nil; i++ {
		var a ACL
		a.Perms = r.Int()
		a.Scheme = aclString(r.Bytes())
		a.ID = aclString(r.Bytes())
		acl = append(acl, a)
	}
	if r.Err() != nil {
		return nil, false
	}
	return acl, false
}

// aclString converts an ACL scheme or id to a string, returning a shared
// constant for the values almost every ACL uses so that decoding the common
// ACLs allocates nothing beyond the vector itself.
func aclString(b []byte) string {
	switch string(b) { // no allocation: the compiler compares in place
	case "":
		return ""
	case "world":
		return "world"
	case "anyone":
		return "anyone"
	case "digest":
		return "digest"
	case "auth":
		return "auth"
	case "ip":
		return "ip"
	}
	return string(b)
}

// AppendACLs appends a vector<ACL>.
func AppendACLs(b []byte, acl []ACL) []byte {
	b = AppendInt(b, int32(len(acl)))
	for i := range acl {
		b = AppendInt(b, acl[i].Perms)
		b = AppendString(b, acl[i].Scheme)
		b = AppendString(b, acl[i].ID)
	}
	return b
}

// Common ACLs.
var (
	// OpenACL is OPEN_ACL_UNSAFE: world:anyone with all permissions.
	OpenACL = []ACL{{Perms: PermAll, Scheme: "world", ID: "anyone"}}
	// ReadACL is READ_ACL_UNSAFE: world:anyone read-only.
	ReadACL = []ACL{{Perms: PermRead, Scheme: "world", ID: "anyone"}}
)

// RequestHeader precedes every request after the handshake.
type RequestHeader struct {
	Xid  int32
	Type OpCode
}

// ReplyHeaderSize is the encoded size of a ReplyHeader.
const ReplyHeaderSize = 16

// AppendReplyHeader appends ReplyHeader{xid, zxid, err}.
func AppendReplyHeader(b []byte, xid int32, zxid int64, err Err) []byte {
	b = AppendInt(b, xid)
	b = AppendLong(b, zxid)
	return AppendInt(b, int32(err))
}

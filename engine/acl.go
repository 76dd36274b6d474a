package engine

import (
	"crypto/sha1"
	"encoding/base64"
	"net/netip"
	"strings"

	"github.com/zen-coord/zen/proto"
)

// authSet is the immutable set of identities a connection holds. Adding an
// identity makes a new set, so a request keeps the identities it was
// received with. It implements tree.Checker.
type authSet struct {
	ids   []proto.ID
	ip    netip.Addr
	super bool
	skip  bool // skipACL
}

func newAuthSet(ip netip.Addr, skip bool) *authSet {
	return &authSet{ids: []proto.ID{{Scheme: "ip", ID: ip.String()}}, ip: ip, skip: skip}
}

// with returns a set that also holds id (a no-op if it is already held).
func (a *authSet) with(id proto.ID) *authSet {
	for _, have := range a.ids {
		if have == id {
			return a
		}
	}
	n := &authSet{ids: make([]proto.ID, 0, len(a.ids)+1), ip: a.ip, super: a.super, skip: a.skip}
	n.ids = append(append(n.ids, a.ids...), id)
	if id.Scheme == "super" {
		n.super = true
	}
	return n
}

// Allowed is ZooKeeper's checkACL.
func (a *authSet) Allowed(acl []proto.ACL, perm int32) bool {
	if a == nil || a.skip || len(acl) == 0 || a.super {
		return true
	}
	for i := range acl {
		e := &acl[i]
		if e.Perms&perm == 0 {
			continue
		}
		switch e.Scheme {
		case "world":
			if e.ID == "anyone" {
				return true
			}
		case "ip":
			if ipMatches(e.ID, a.ip) {
				return true
			}
		default:
			for _, id := range a.ids {
				if id.Scheme == e.Scheme && id.ID == e.ID {
					return true
				}
			}
		}
	}
	return false
}

// ipMatches is ZooKeeper 3.8's IPAuthenticationProvider.matches: the
// client's address and the ACL's "addr[/bits]" masked to bits and compared.
// Only IPv4 exists there; an IPv6 client never matches.
func ipMatches(aclID string, client netip.Addr) bool {
	acl, bits, ok := parseIPACL(aclID)
	if !ok || !client.Is4() {
		return false
	}
	c := client.As4()
	return maskIPv4(c, bits) == maskIPv4(acl, bits)
}

// parseIPACL parses an ip-scheme ACL id with Java's rules: "a.b.c.d" with
// exactly four Integer.parseInt octets in 0..255 (so "01" and "+1" pass),
// optionally "/bits" with bits in 0..32.
func parseIPACL(id string) (addr [4]byte, bits int, ok bool) {
	addrPart, bitsPart, hasBits := strings.Cut(id, "/")
	octets := strings.Split(addrPart, ".")
	if len(octets) != 4 {
		return addr, 0, false
	}
	for i, o := range octets {
		v, ok := javaParseInt(o)
		if !ok || v < 0 || v > 255 {
			return addr, 0, false
		}
		addr[i] = byte(v)
	}
	bits = 32
	if hasBits {
		b, ok := javaParseInt(bitsPart)
		if !ok || b < 0 || b > 32 {
			return addr, 0, false
		}
		bits = int(b)
	}
	return addr, bits, true
}

func maskIPv4(a [4]byte, bits int) [4]byte {
	for i := range a {
		switch {
		case bits >= 8:
			bits -= 8
		case bits <= 0:
			a[i] = 0
		default:
			a[i] &= byte(0xff << (8 - bits))
			bits = 0
		}
	}
	return a
}

// javaParseInt is Integer.parseInt for ASCII input: an optional sign, then
// decimal digits, within int32.
func javaParseInt(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
		if s == "" {
			return 0, false
		}
	}
	var v int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int64(s[i]-'0')
		if v > 1<<31 {
			return 0, false
		}
	}
	if neg {
		v = -v
	}
	if v > 1<<31-1 || v < -(1<<31) {
		return 0, false
	}
	return v, true
}

// digestID computes the digest-scheme id for "user:password".
func digestID(userPass string) string {
	user, _, _ := strings.Cut(userPass, ":")
	sum := sha1.Sum([]byte(userPass))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// validDigestACLID is Java's `id.split(":").length == 2` (trailing empty
// parts dropped).
func validDigestACLID(id string) bool {
	parts := strings.Split(id, ":")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return len(parts) == 2
}

// fixupACL validates a create/setACL ACL list, expands the "auth" scheme
// into the connection's authenticated identities and removes duplicates.
func fixupACL(acl []proto.ACL, a *authSet) ([]proto.ACL, proto.Err) {
	if len(acl) == 0 {
		return nil, proto.ErrInvalidACL
	}
	out := make([]proto.ACL, 0, len(acl))
	add := func(e proto.ACL) {
		for _, have := range out {
			if have == e {
				return
			}
		}
		out = append(out, e)
	}
	for _, e := range acl {
		switch e.Scheme {
		case "world":
			if e.ID != "anyone" {
				return nil, proto.ErrInvalidACL
			}
			add(e)
		case "auth":
			found := false
			for _, id := range a.ids {
				if id.Scheme == "digest" { // the authenticated providers here
					found = true
					add(proto.ACL{Perms: e.Perms, Scheme: id.Scheme, ID: id.ID})
				}
			}
			if !found {
				return nil, proto.ErrInvalidACL
			}
		case "digest":
			if !validDigestACLID(e.ID) {
				return nil, proto.ErrInvalidACL
			}
			add(e)
		case "ip":
			if _, _, ok := parseIPACL(e.ID); !ok {
				return nil, proto.ErrInvalidACL
			}
			add(e)
		default:
			return nil, proto.ErrInvalidACL
		}
	}
	return out, proto.ErrOk
}

// redactACL masks digest ids for a caller without ADMIN ("user:x").
func redactACL(acl []proto.ACL) []proto.ACL {
	out := make([]proto.ACL, len(acl))
	copy(out, acl)
	for i := range out {
		if out[i].Scheme == "digest" {
			user, _, _ := strings.Cut(out[i].ID, ":")
			out[i].ID = user + ":x"
		}
	}
	return out
}

// sessionPasswd derives a session's password from its id the way ZooKeeper
// does (java.util.Random seeded with id ^ 0xB3415C00, 16 bytes), so any
// member can validate it without storing it.
func sessionPasswd(id int64) [16]byte {
	const mult, mask = 0x5DEECE66D, 1<<48 - 1
	seed := (uint64(id^0xB3415C00) ^ mult) & mask
	var out [16]byte
	for i := 0; i < 16; {
		seed = (seed*mult + 0xB) & mask
		r := int32(seed >> 16)
		for n := 0; n < 4 && i < 16; n++ {
			out[i] = byte(r)
			r >>= 8
			i++
		}
	}
	return out
}

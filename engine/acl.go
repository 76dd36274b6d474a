package engine

import (
	"crypto/sha1"
	"encoding/base64"
	"net/netip"
	"strconv"
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

// ipMatches reports whether client falls in the ACL id "addr" or
// "addr/bits". IPv4 never matches IPv6.
func ipMatches(aclID string, client netip.Addr) bool {
	p, ok := parseIPACL(aclID)
	if !ok || p.Addr().Is4() != client.Is4() {
		return false
	}
	return p.Contains(client)
}

// parseIPACL parses an ip-scheme ACL id.
func parseIPACL(id string) (netip.Prefix, bool) {
	addrPart, bitsPart, hasBits := strings.Cut(id, "/")
	addr, err := netip.ParseAddr(addrPart)
	if err != nil || addr.Zone() != "" {
		return netip.Prefix{}, false
	}
	addr = addr.Unmap()
	bits := addr.BitLen()
	if hasBits {
		b, err := strconv.Atoi(bitsPart)
		if err != nil || b < 0 || b > addr.BitLen() {
			return netip.Prefix{}, false
		}
		bits = b
	}
	p, err := addr.Prefix(bits)
	return p, err == nil
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
			if _, ok := parseIPACL(e.ID); !ok {
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

package proto

// This file holds the connection-level records: the handshake, auth, SASL and
// whoAmI.

// PasswdLen is the session password length every client sends and expects.
const PasswdLen = 16

// ConnectRequest is the first frame of a connection (no RequestHeader).
// ReadOnly is optional on the wire: HasReadOnly reports whether at least one
// byte followed the five mandatory fields (Java, C and kazoo send it;
// go-zookeeper does not), and Append writes it only when HasReadOnly is set.
type ConnectRequest struct {
	ProtocolVersion int32
	LastZxidSeen    int64
	Timeout         int32 // requested session timeout, ms
	SessionID       int64 // 0 = new session
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool
}

// Decode reads q.
func (q *ConnectRequest) Decode(r *Reader) {
	q.ProtocolVersion = r.Int()
	q.LastZxidSeen = r.Long()
	q.Timeout = r.Int()
	q.SessionID = r.Long()
	q.Passwd = r.Bytes()
	q.ReadOnly, q.HasReadOnly = false, false
	if r.Err() == nil && r.Remaining() > 0 {
		q.ReadOnly = r.Bool()
		q.HasReadOnly = true
	}
}

// Append appends q.
func (q *ConnectRequest) Append(b []byte) []byte {
	b = AppendInt(b, q.ProtocolVersion)
	b = AppendLong(b, q.LastZxidSeen)
	b = AppendInt(b, q.Timeout)
	b = AppendLong(b, q.SessionID)
	b = AppendBytes(b, q.Passwd)
	if q.HasReadOnly {
		b = AppendBool(b, q.ReadOnly)
	}
	return b
}

// ConnectResponse answers a ConnectRequest (no ReplyHeader). Timeout 0 and
// SessionID 0 tell the client its session is invalid or expired. A server
// sets HasReadOnly exactly when the request had it; a decoder sets it when a
// byte followed the mandatory fields.
type ConnectResponse struct {
	ProtocolVersion int32
	Timeout         int32 // negotiated session timeout, ms
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool // true only from a server in read-only mode
	HasReadOnly     bool
}

// Decode reads p.
func (p *ConnectResponse) Decode(r *Reader) {
	p.ProtocolVersion = r.Int()
	p.Timeout = r.Int()
	p.SessionID = r.Long()
	p.Passwd = r.Bytes()
	p.ReadOnly, p.HasReadOnly = false, false
	if r.Err() == nil && r.Remaining() > 0 {
		p.ReadOnly = r.Bool()
		p.HasReadOnly = true
	}
}

// Append appends p.
func (p *ConnectResponse) Append(b []byte) []byte {
	b = AppendInt(b, p.ProtocolVersion)
	b = AppendInt(b, p.Timeout)
	b = AppendLong(b, p.SessionID)
	b = AppendBytes(b, p.Passwd)
	if p.HasReadOnly {
		b = AppendBool(b, p.ReadOnly)
	}
	return b
}

// AuthPacket is the body of auth (100, xid XidAuth). Clients send Type 0;
// for the digest scheme Auth is "user:password".
type AuthPacket struct {
	Type   int32
	Scheme []byte
	Auth   []byte
}

// Decode reads q.
func (q *AuthPacket) Decode(r *Reader) {
	q.Type = r.Int()
	q.Scheme = r.Bytes()
	q.Auth = r.Bytes()
}

// Append appends q.
func (q *AuthPacket) Append(b []byte) []byte {
	b = AppendInt(b, q.Type)
	b = AppendBytes(b, q.Scheme)
	return AppendBytes(b, q.Auth)
}

// GetSASLRequest is the body of sasl (102).
type GetSASLRequest struct {
	Token     []byte
	TokenNull bool
}

// Decode reads q.
func (q *GetSASLRequest) Decode(r *Reader) { q.Token, q.TokenNull = r.Buffer() }

// Append appends q.
func (q *GetSASLRequest) Append(b []byte) []byte { return AppendBuffer(b, q.Token, q.TokenNull) }

// SetSASLResponse answers sasl. A failed sasl reply carries one with a null
// token even though its header has an error (the one exception to "no body
// on error").
type SetSASLResponse struct {
	Token     []byte
	TokenNull bool
}

// Decode reads p.
func (p *SetSASLResponse) Decode(r *Reader) { p.Token, p.TokenNull = r.Buffer() }

// Append appends p.
func (p *SetSASLResponse) Append(b []byte) []byte { return AppendBuffer(b, p.Token, p.TokenNull) }

// ClientInfo is one identity of a connection as reported by whoAmI.
type ClientInfo struct {
	AuthScheme string
	User       string
}

// Decode reads c.
func (c *ClientInfo) Decode(r *Reader) {
	c.AuthScheme = aclString(r.Bytes())
	c.User = r.String()
}

// Append appends c.
func (c *ClientInfo) Append(b []byte) []byte {
	b = AppendString(b, c.AuthScheme)
	return AppendString(b, c.User)
}

// WhoAmIResponse answers whoAmI (107), one entry per identity.
type WhoAmIResponse struct{ ClientInfo []ClientInfo }

// Decode reads p.
func (p *WhoAmIResponse) Decode(r *Reader) {
	n, _ := r.VectorLen()
	p.ClientInfo = p.ClientInfo[:0]
	for i := 0; i < n && r.Err() == nil; i++ {
		var c ClientInfo
		c.Decode(r)
		p.ClientInfo = append(p.ClientInfo, c)
	}
	if r.Err() != nil {
		p.ClientInfo = p.ClientInfo[:0]
	}
}

// Append appends p.
func (p *WhoAmIResponse) Append(b []byte) []byte { return AppendWhoAmIResponse(b, p.ClientInfo) }

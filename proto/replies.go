package proto

// Appenders for the reply bodies a server writes on its hot paths, taking the
// server's own representations (string paths and names, *Stat) so that no
// response struct has to be built. Each produces exactly the bytes of the
// corresponding record's Append. None of them allocates beyond growing b.

// AppendGetDataResponse appends GetDataResponse{data, st}; null writes a null
// buffer (length -1), distinct from empty data.
func AppendGetDataResponse(b []byte, data []byte, null bool, st *Stat) []byte {
	b = AppendBuffer(b, data, null)
	return AppendStat(b, st)
}

// AppendStatResponse appends the {Stat} body of the exists, setData and
// setACL responses.
func AppendStatResponse(b []byte, st *Stat) []byte { return AppendStat(b, st) }

// AppendCreateResponse appends CreateResponse{path}.
func AppendCreateResponse(b []byte, path string) []byte { return AppendString(b, path) }

// AppendCreate2Response appends Create2Response{path, st}.
func AppendCreate2Response(b []byte, path string, st *Stat) []byte {
	b = AppendString(b, path)
	return AppendStat(b, st)
}

// AppendGetChildrenResponse appends GetChildrenResponse{names}.
func AppendGetChildrenResponse(b []byte, names []string) []byte { return AppendStrings(b, names) }

// AppendGetChildren2Response appends GetChildren2Response{names, st}.
func AppendGetChildren2Response(b []byte, names []string, st *Stat) []byte {
	b = AppendStrings(b, names)
	return AppendStat(b, st)
}

// AppendGetACLResponse appends GetACLResponse{acl, st}.
func AppendGetACLResponse(b []byte, acl []ACL, st *Stat) []byte {
	b = AppendACLs(b, acl)
	return AppendStat(b, st)
}

// AppendSyncResponse appends SyncResponse{path}, echoing the request's path.
func AppendSyncResponse(b []byte, path []byte) []byte { return AppendBytes(b, path) }

// AppendErrorResponse appends ErrorResponse{err}.
func AppendErrorResponse(b []byte, err Err) []byte { return AppendInt(b, int32(err)) }

// AppendGetAllChildrenNumberResponse appends GetAllChildrenNumberResponse{n}.
func AppendGetAllChildrenNumberResponse(b []byte, n int32) []byte { return AppendInt(b, n) }

// AppendGetEphemeralsResponse appends GetEphemeralsResponse{paths}.
func AppendGetEphemeralsResponse(b []byte, paths []string) []byte { return AppendStrings(b, paths) }

// AppendWhoAmIResponse appends WhoAmIResponse{infos}.
func AppendWhoAmIResponse(b []byte, infos []ClientInfo) []byte {
	b = AppendInt(b, int32(len(infos)))
	for i := range infos {
		b = infos[i].Append(b)
	}
	return b
}

// AppendWatcherEvent appends WatcherEvent{typ, state, path}.
func AppendWatcherEvent(b []byte, typ EventType, state int32, path string) []byte {
	b = AppendInt(b, int32(typ))
	b = AppendInt(b, state)
	return AppendString(b, path)
}

// AppendNotification appends a complete notification frame: length prefix,
// ReplyHeader{XidNotification, zxid, ErrOk} and WatcherEvent{typ,
// StateSyncConnected, path}. zxid is the zxid of the txn that fired the
// watch, or -1 for events fired by setWatches. The frame depends only on its
// arguments, so one encoding can be shared by every watching connection.
func AppendNotification(b []byte, zxid int64, typ EventType, path string) []byte {
	b, start := BeginFrame(b)
	b = AppendReplyHeader(b, XidNotification, zxid, ErrOk)
	b = AppendWatcherEvent(b, typ, StateSyncConnected, path)
	return EndFrame(b, start)
}

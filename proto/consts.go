package proto

import "strconv"

// OpCode is a request type (ZooDefs.OpCode).
type OpCode int32

const (
	OpNotification         OpCode = 0
	OpCreate               OpCode = 1
	OpDelete               OpCode = 2
	OpExists               OpCode = 3
	OpGetData              OpCode = 4
	OpSetData              OpCode = 5
	OpGetACL               OpCode = 6
	OpSetACL               OpCode = 7
	OpGetChildren          OpCode = 8
	OpSync                 OpCode = 9
	OpPing                 OpCode = 11
	OpGetChildren2         OpCode = 12
	OpCheck                OpCode = 13
	OpMulti                OpCode = 14
	OpCreate2              OpCode = 15
	OpReconfig             OpCode = 16
	OpCheckWatches         OpCode = 17
	OpRemoveWatches        OpCode = 18
	OpCreateContainer      OpCode = 19
	OpDeleteContainer      OpCode = 20
	OpCreateTTL            OpCode = 21
	OpMultiRead            OpCode = 22
	OpAuth                 OpCode = 100
	OpSetWatches           OpCode = 101
	OpSASL                 OpCode = 102
	OpGetEphemerals        OpCode = 103
	OpGetAllChildrenNumber OpCode = 104
	OpSetWatches2          OpCode = 105
	OpAddWatch             OpCode = 106
	OpWhoAmI               OpCode = 107
	OpCreateSession        OpCode = -10
	OpCloseSession         OpCode = -11
	OpError                OpCode = -1
)

var opNames = map[OpCode]string{
	OpNotification: "notification", OpCreate: "create", OpDelete: "delete",
	OpExists: "exists", OpGetData: "getData", OpSetData: "setData",
	OpGetACL: "getACL", OpSetACL: "setACL", OpGetChildren: "getChildren",
	OpSync: "sync", OpPing: "ping", OpGetChildren2: "getChildren2",
	OpCheck: "check", OpMulti: "multi", OpCreate2: "create2",
	OpReconfig: "reconfig", OpCheckWatches: "checkWatches",
	OpRemoveWatches: "removeWatches", OpCreateContainer: "createContainer",
	OpDeleteContainer: "deleteContainer", OpCreateTTL: "createTTL",
	OpMultiRead: "multiRead", OpAuth: "auth", OpSetWatches: "setWatches",
	OpSASL: "sasl", OpGetEphemerals: "getEphemerals",
	OpGetAllChildrenNumber: "getAllChildrenNumber", OpSetWatches2: "setWatches2",
	OpAddWatch: "addWatch", OpWhoAmI: "whoAmI", OpCreateSession: "createSession",
	OpCloseSession: "closeSession", OpError: "error",
}

func (o OpCode) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// Err is a ZooKeeper error code (KeeperException.Code).
type Err int32

const (
	ErrOk                           Err = 0
	ErrSystemError                  Err = -1
	ErrRuntimeInconsistency         Err = -2
	ErrDataInconsistency            Err = -3
	ErrConnectionLoss               Err = -4
	ErrMarshallingError             Err = -5
	ErrUnimplemented                Err = -6
	ErrOperationTimeout             Err = -7
	ErrBadArguments                 Err = -8
	ErrUnknownSession               Err = -12
	ErrNewConfigNoQuorum            Err = -13
	ErrReconfigInProgress           Err = -14
	ErrAPIError                     Err = -100
	ErrNoNode                       Err = -101
	ErrNoAuth                       Err = -102
	ErrBadVersion                   Err = -103
	ErrNoChildrenForEphemerals      Err = -108
	ErrNodeExists                   Err = -110
	ErrNotEmpty                     Err = -111
	ErrSessionExpired               Err = -112
	ErrInvalidCallback              Err = -113
	ErrInvalidACL                   Err = -114
	ErrAuthFailed                   Err = -115
	ErrSessionMoved                 Err = -118
	ErrNotReadOnly                  Err = -119
	ErrEphemeralOnLocalSession      Err = -120
	ErrNoWatcher                    Err = -121
	ErrRequestTimeout               Err = -122
	ErrReconfigDisabled             Err = -123
	ErrSessionClosedRequireSASLAuth Err = -124
	ErrQuotaExceeded                Err = -125
	ErrThrottledOp                  Err = -127
)

var errNames = map[Err]string{
	ErrOk: "Ok", ErrSystemError: "SystemError", ErrRuntimeInconsistency: "RuntimeInconsistency",
	ErrDataInconsistency: "DataInconsistency", ErrConnectionLoss: "ConnectionLoss",
	ErrMarshallingError: "MarshallingError", ErrUnimplemented: "Unimplemented",
	ErrOperationTimeout: "OperationTimeout", ErrBadArguments: "BadArguments",
	ErrUnknownSession: "UnknownSession", ErrNewConfigNoQuorum: "NewConfigNoQuorum",
	ErrReconfigInProgress: "ReconfigInProgress", ErrAPIError: "APIError",
	ErrNoNode: "NoNode", ErrNoAuth: "NoAuth", ErrBadVersion: "BadVersion",
	ErrNoChildrenForEphemerals: "NoChildrenForEphemerals", ErrNodeExists: "NodeExists",
	ErrNotEmpty: "NotEmpty", ErrSessionExpired: "SessionExpired",
	ErrInvalidCallback: "InvalidCallback", ErrInvalidACL: "InvalidACL",
	ErrAuthFailed: "AuthFailed", ErrSessionMoved: "SessionMoved",
	ErrNotReadOnly: "NotReadOnly", ErrEphemeralOnLocalSession: "EphemeralOnLocalSession",
	ErrNoWatcher: "NoWatcher", ErrRequestTimeout: "RequestTimeout",
	ErrReconfigDisabled: "ReconfigDisabled", ErrSessionClosedRequireSASLAuth: "SessionClosedRequireSaslAuth",
	ErrQuotaExceeded: "QuotaExceeded", ErrThrottledOp: "ThrottledOp",
}

func (e Err) String() string {
	if s, ok := errNames[e]; ok {
		return s
	}
	return "err(" + strconv.Itoa(int(e)) + ")"
}

// Error makes Err usable as a Go error; ErrOk must not be used as an error.
func (e Err) Error() string { return "zk: " + e.String() }

// Special xids.
const (
	XidNotification int32 = -1
	XidPing         int32 = -2
	XidAuth         int32 = -4
	XidSetWatches   int32 = -8
)

// EventType of a WatcherEvent.
type EventType int32

const (
	EventNone                   EventType = -1
	EventNodeCreated            EventType = 1
	EventNodeDeleted            EventType = 2
	EventNodeDataChanged        EventType = 3
	EventNodeChildrenChanged    EventType = 4
	EventDataWatchRemoved       EventType = 5
	EventChildWatchRemoved      EventType = 6
	EventPersistentWatchRemoved EventType = 7
)

// StateSyncConnected is the only KeeperState a server puts in a WatcherEvent.
const StateSyncConnected int32 = 3

// WatcherType for checkWatches / removeWatches.
const (
	WatcherChildren            int32 = 1
	WatcherData                int32 = 2
	WatcherAny                 int32 = 3
	WatcherPersistent          int32 = 4
	WatcherPersistentRecursive int32 = 5
)

// AddWatch modes.
const (
	AddWatchPersistent          int32 = 0
	AddWatchPersistentRecursive int32 = 1
)

// Create flags (CreateMode).
const (
	FlagPersistent                  int32 = 0
	FlagEphemeral                   int32 = 1
	FlagPersistentSequential        int32 = 2
	FlagEphemeralSequential         int32 = 3
	FlagContainer                   int32 = 4
	FlagPersistentWithTTL           int32 = 5
	FlagPersistentSequentialWithTTL int32 = 6
)

// ValidCreateFlags reports whether flags is a CreateMode (0..6).
func ValidCreateFlags(flags int32) bool {
	return flags >= FlagPersistent && flags <= FlagPersistentSequentialWithTTL
}

// Permission bits.
const (
	PermRead   int32 = 1
	PermWrite  int32 = 2
	PermCreate int32 = 4
	PermDelete int32 = 8
	PermAdmin  int32 = 16
	PermAll    int32 = 31
)

// Owner markers stored in a node's internal ephemeralOwner field (never shown
// to clients, who see 0 for containers and TTL nodes).
const (
	// OwnerContainer marks a container node.
	OwnerContainer int64 = -0x8000000000000000
	// OwnerTTLMask selects the TTL marker byte; a TTL node's owner is
	// OwnerTTLMask | ttlMillis with ttlMillis in the low 40 bits.
	OwnerTTLMask int64 = -0x0100000000000000 // 0xFF00_0000_0000_0000
	// MaxTTL is the largest TTL in ms (2^40-1).
	MaxTTL int64 = 0xFF_FFFF_FFFF
)

// IsTTLOwner reports whether an internal owner value marks a TTL node.
func IsTTLOwner(owner int64) bool {
	return owner != OwnerContainer && uint64(owner)>>56 == 0xFF && (uint64(owner)>>40)&0xFFFF == 0
}

// TTLOf extracts the TTL in ms from a TTL owner marker.
func TTLOf(owner int64) int64 { return owner & MaxTTL }

// IsSessionOwner reports whether an internal owner value is a real session
// (an ephemeral node's owner).
func IsSessionOwner(owner int64) bool {
	return owner != 0 && owner != OwnerContainer && !IsTTLOwner(owner)
}

// DefaultMaxBuffer is jute.maxbuffer's default (0xfffff bytes).
const DefaultMaxBuffer = 0xfffff

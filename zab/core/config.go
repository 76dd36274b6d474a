package core

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Config of a Node. Time is counted in ticks (calls to Node.Tick); the
// driver picks the tick length (ZooKeeper's tickTime or a fraction of it).
type Config struct {
	// ID is this server's id (myid), > 0.
	ID int64
	// Voters are the participants' ids; Observers the observers' ids. ID is
	// in exactly one of them. A quorum is a majority of Voters.
	Voters    []int64
	Observers []int64

	// Log is read access to the durable local log.
	Log Log
	// HardState is the durable metadata as read at startup.
	HardState HardState
	// Applied is the zxid the driver's state machine starts from (the zxid
	// of the snapshot it loaded; 0 for none). The commit point starts
	// there: log entries above it are applied only once Ready.Commit says
	// so. Applied >= Log.Base().
	Applied int64

	// Rand supplies election jitter and session ids. Required; seed it for
	// reproducible runs. The Node is its only user.
	Rand *rand.Rand

	// ElectionTicks is the base interval at which a LOOKING server resends
	// its vote; each interval adds a random 0..ElectionTicks-1. Default 2.
	ElectionTicks int
	// FinalizeTicks is how long a LOOKING server waits for a better vote
	// once a quorum (but not every voter) agrees with it. Default 1.
	FinalizeTicks int
	// InitLimit bounds, in ticks, a leader's discovery and sync phases and
	// a learner's wait for any leader message until it is UPTODATE
	// (ZooKeeper's initLimit). Default 10.
	InitLimit int
	// SyncLimit is how long, in ticks, an established leader keeps a
	// follower that is silent, and a synced learner its silent leader; a
	// leader that hears from less than a quorum within it steps down
	// (ZooKeeper's syncLimit). Default 5.
	SyncLimit int
	// PingTicks is the leader's ping interval in ticks. Default 1.
	PingTicks int
	// MaxDiffEntries: a learner that needs more entries than this is synced
	// with a snapshot instead (0: default 100000; negative: no limit).
	MaxDiffEntries int
	// Logger, if set, gets a line on each role change with its reason.
	Logger func(format string, args ...any)

	// MaxMsgEntries caps the entries in one PROPOSAL or INFORM message of a
	// sync stream. Default 1024.
	MaxMsgEntries int
}

func (c *Config) withDefaults() Config {
	d := *c
	def := func(v *int, x int) {
		if *v == 0 {
			*v = x
		}
	}
	def(&d.ElectionTicks, 2)
	def(&d.FinalizeTicks, 1)
	def(&d.InitLimit, 10)
	def(&d.SyncLimit, 5)
	def(&d.PingTicks, 1)
	def(&d.MaxDiffEntries, 100000)
	def(&d.MaxMsgEntries, 1024)
	d.Voters = slices.Clone(c.Voters)
	d.Observers = slices.Clone(c.Observers)
	slices.Sort(d.Voters)
	slices.Sort(d.Observers)
	return d
}

func (c *Config) validate() error {
	if c.ID <= 0 {
		return fmt.Errorf("zab/core: invalid id %d", c.ID)
	}
	if len(c.Voters) == 0 {
		return errors.New("zab/core: no voters")
	}
	seen := map[int64]bool{}
	for _, id := range append(slices.Clone(c.Voters), c.Observers...) {
		if id <= 0 || seen[id] {
			return fmt.Errorf("zab/core: invalid or duplicate server id %d", id)
		}
		seen[id] = true
	}
	if !seen[c.ID] {
		return fmt.Errorf("zab/core: id %d is neither a voter nor an observer", c.ID)
	}
	if c.Log == nil || c.Rand == nil {
		return errors.New("zab/core: Config.Log and Config.Rand are required")
	}
	hs := c.HardState
	if hs.CurrentEpoch < 0 || hs.CurrentEpoch > hs.AcceptedEpoch || hs.AcceptedEpoch > MaxEpoch {
		return fmt.Errorf("zab/core: invalid hard state %+v", hs)
	}
	if c.Applied < c.Log.Base() || c.Applied > c.Log.LastZxid() {
		return fmt.Errorf("zab/core: applied %s outside the log [%s, %s]",
			FormatZxid(c.Applied), FormatZxid(c.Log.Base()), FormatZxid(c.Log.LastZxid()))
	}
	if c.ElectionTicks < 1 || c.FinalizeTicks < 0 || c.InitLimit < 1 || c.SyncLimit < 1 ||
		c.PingTicks < 1 || c.MaxMsgEntries < 1 {
		return errors.New("zab/core: invalid tick or size limits")
	}
	return nil
}

package engine

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is a server's configuration: ZooKeeper's zoo.cfg keys with
// ZooKeeper's defaults.
type Config struct {
	TickTime          time.Duration // tickTime (ms in zoo.cfg), default 3000 ms
	DataDir           string        // dataDir (required)
	DataLogDir        string        // dataLogDir, default dataDir
	ClientAddr        string        // clientPortAddress:clientPort
	MaxClientCnxns    int           // per client IP, default 60, 0 = unlimited
	MinSessionTimeout time.Duration // default 2*tickTime
	MaxSessionTimeout time.Duration // default 20*tickTime
	// GlobalOutstandingLimit stops reading from connections while more
	// requests than this are in flight (default 1000).
	GlobalOutstandingLimit int
	MaxBuffer              int  // jute.maxbuffer, default 0xfffff
	SnapCount              int  // snapCount, default 100000
	SnapRetainCount        int  // autopurge.snapRetainCount, default 3 (min 3)
	PurgeInterval          int  // autopurge.purgeInterval, hours, 0 = off
	ForceSync              bool // forceSync, default yes
	// FourLetterWords is the 4lw.commands.whitelist set ("*" = all);
	// srvr is always allowed.
	FourLetterWords    map[string]bool
	ExtendedTypes      bool          // extendedTypesEnabled, default false
	ContainerInterval  time.Duration // znode.container.checkIntervalMs, default 60 s
	ContainerMaxPerMin int           // znode.container.maxPerMinute, default 10000
	MetricsAddr        string        // metricsProvider.httpHost:httpPort; "" = no endpoint
	SuperDigest        string        // DigestAuthenticationProvider.superDigest (super:<b64 sha1>)
	ReconfigEnabled    bool          // reconfigEnabled, default false
	SkipACL            bool          // skipACL (zookeeper.skipACL), default no
	ServerID           int64         // myid in dataDir; 1 standalone
	// Servers is the ensemble (server.N lines); empty or a single entry
	// with standaloneEnabled means standalone.
	Servers              map[int64]ServerSpec
	InitLimit            int      // initLimit, ticks, default 10
	SyncLimit            int      // syncLimit, ticks, default 5
	MaxDiffEntries       int      // zen.maxDiffEntries: a learner further behind is synced by snapshot (0: 100000)
	StandaloneEnabled    bool     // standaloneEnabled, default true
	ListenOnAllIPs       bool     // quorumListenOnAllIPs: bind peer ports on 0.0.0.0
	PeerObserver         bool     // peerType=observer
	Unknown              []string // keys that were ignored
	clientPort           int
	clientPortAddress    string
	minSet, maxSet       bool
	metricsPort          int
	metricsHost          string
	metricsProviderClass string
}

// DefaultConfig returns ZooKeeper's defaults (tickTime 3000 ms).
func DefaultConfig() Config {
	return Config{
		TickTime:               3000 * time.Millisecond,
		MaxClientCnxns:         60,
		GlobalOutstandingLimit: 1000,
		MaxBuffer:              0xfffff,
		SnapCount:              100000,
		SnapRetainCount:        3,
		ForceSync:              true,
		FourLetterWords:        map[string]bool{"srvr": true},
		ContainerInterval:      60 * time.Second,
		ContainerMaxPerMin:     10000,
		ServerID:               1,
		InitLimit:              10,
		SyncLimit:              5,
		StandaloneEnabled:      true,
		clientPortAddress:      "0.0.0.0",
		metricsHost:            "0.0.0.0",
	}
}

// allFourLetterWords lists the commands "*" enables.
var allFourLetterWords = []string{"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "ruok",
	"stmk", "srst", "srvr", "stat", "wchc", "wchp", "wchs", "mntr", "isro", "hash"}

// ParseConfigFile reads a zoo.cfg.
func ParseConfigFile(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, err
	}
	defer f.Close()
	c, err := ParseConfig(f)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig reads zoo.cfg text (java.util.Properties subset: key=value or
// key: value lines, # and ! comments).
func ParseConfig(r io.Reader) (Config, error) {
	c := DefaultConfig()
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' || s[0] == '!' {
			continue
		}
		i := strings.IndexAny(s, "=:")
		if i < 0 {
			return c, fmt.Errorf("line %d: expected key=value, got %q", line, s)
		}
		key, val := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
		if err := c.set(key, val); err != nil {
			return c, fmt.Errorf("line %d: %s: %w", line, key, err)
		}
	}
	if err := sc.Err(); err != nil {
		return c, err
	}
	return c, nil
}

func parseInt(v string, min int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("not an integer: %q", v)
	}
	if n < min {
		return 0, fmt.Errorf("%d is below the minimum %d", n, min)
	}
	return n, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes":
		return true, nil
	case "false", "no":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean (true/false/yes/no): %q", v)
}

func (c *Config) set(key, val string) error {
	var err error
	var n int
	switch strings.TrimPrefix(key, "zookeeper.") {
	case "tickTime":
		if n, err = parseInt(val, 1); err == nil {
			c.TickTime = time.Duration(n) * time.Millisecond
		}
	case "dataDir":
		c.DataDir = val
	case "dataLogDir":
		c.DataLogDir = val
	case "clientPort":
		if n, err = parseInt(val, 0); err == nil {
			if n > 65535 {
				err = fmt.Errorf("port %d out of range", n)
			}
			c.clientPort = n
		}
	case "clientPortAddress":
		c.clientPortAddress = val
	case "maxClientCnxns":
		c.MaxClientCnxns, err = parseInt(val, 0)
	case "minSessionTimeout":
		if n, err = parseInt(val, -1); err == nil && n >= 0 {
			c.MinSessionTimeout, c.minSet = time.Duration(n)*time.Millisecond, true
		}
	case "maxSessionTimeout":
		if n, err = parseInt(val, -1); err == nil && n >= 0 {
			c.MaxSessionTimeout, c.maxSet = time.Duration(n)*time.Millisecond, true
		}
	case "globalOutstandingLimit":
		c.GlobalOutstandingLimit, err = parseInt(val, 1)
	case "jute.maxbuffer":
		if strings.HasPrefix(val, "0x") || strings.HasPrefix(val, "0X") {
			var u uint64
			u, err = strconv.ParseUint(val[2:], 16, 31)
			n = int(u)
		} else {
			n, err = parseInt(val, 1)
		}
		if err == nil && n < 1024 {
			err = fmt.Errorf("%d is too small (minimum 1024)", n)
		}
		c.MaxBuffer = n
	case "snapCount":
		c.SnapCount, err = parseInt(val, 2)
	case "autopurge.snapRetainCount":
		if n, err = parseInt(val, 0); err == nil {
			c.SnapRetainCount = max(n, 3) // ZK raises anything below 3 to 3
		}
	case "autopurge.purgeInterval":
		c.PurgeInterval, err = parseInt(val, 0)
	case "forceSync":
		c.ForceSync, err = parseBool(val)
	case "4lw.commands.whitelist":
		c.FourLetterWords = map[string]bool{"srvr": true}
		for _, w := range strings.Split(val, ",") {
			w = strings.TrimSpace(w)
			switch {
			case w == "*":
				for _, a := range allFourLetterWords {
					c.FourLetterWords[a] = true
				}
			case w == "":
			case len(w) == 4:
				c.FourLetterWords[w] = true
			default:
				err = fmt.Errorf("unknown four-letter word %q", w)
			}
		}
	case "extendedTypesEnabled":
		c.ExtendedTypes, err = parseBool(val)
	case "znode.container.checkIntervalMs":
		if n, err = parseInt(val, 1); err == nil {
			c.ContainerInterval = time.Duration(n) * time.Millisecond
		}
	case "znode.container.maxPerMinute":
		c.ContainerMaxPerMin, err = parseInt(val, 1)
	case "metricsProvider.httpPort":
		if n, err = parseInt(val, 0); err == nil && n > 65535 {
			err = fmt.Errorf("port %d out of range", n)
		}
		c.metricsPort = n
	case "metricsProvider.httpHost":
		c.metricsHost = val
	case "metricsProvider.className":
		c.metricsProviderClass = val
	case "DigestAuthenticationProvider.superDigest":
		if !strings.HasPrefix(val, "super:") {
			err = fmt.Errorf("must look like super:<base64 sha1>")
		}
		c.SuperDigest = val
	case "reconfigEnabled":
		c.ReconfigEnabled, err = parseBool(val)
	case "skipACL":
		c.SkipACL, err = parseBool(val)
	case "initLimit":
		c.InitLimit, err = parseInt(val, 1)
	case "syncLimit":
		c.SyncLimit, err = parseInt(val, 1)
	case "zen.maxDiffEntries":
		c.MaxDiffEntries, err = parseInt(val, 1)
	case "admin.serverPort":
		_, err = parseInt(val, 1)
	case "electionAlg":
		if n, err = parseInt(val, 0); err == nil && n != 3 {
			err = fmt.Errorf("only electionAlg=3 (fast leader election) exists")
		}
	case "standaloneEnabled":
		c.StandaloneEnabled, err = parseBool(val)
	case "quorumListenOnAllIPs":
		c.ListenOnAllIPs, err = parseBool(val)
	case "admin.enableServer":
		_, err = parseBool(val)
	case "peerType":
		switch val {
		case "observer":
			c.PeerObserver = true
		case "participant":
		default:
			err = fmt.Errorf("must be observer or participant, got %q", val)
		}
	default:
		if strings.HasPrefix(key, "server.") {
			return c.setServer(strings.TrimPrefix(key, "server."), val)
		}
		c.Unknown = append(c.Unknown, key)
	}
	return err
}

// ServerSpec is one server.N line.
type ServerSpec struct {
	ID           int64
	Host         string
	PeerPort     int // quorum port: zen's peer protocol runs here
	ElectionPort int // accepted for compatibility; zen's votes share the peer port
	Observer     bool
	ClientAddr   string // from ";[addr:]port", "" if absent
}

// PeerAddr is where the server's peers reach it.
func (sp ServerSpec) PeerAddr() string { return net.JoinHostPort(sp.Host, strconv.Itoa(sp.PeerPort)) }

// setServer parses "host:peerPort:electionPort[:participant|:observer][;[clientAddr:]clientPort]".
func (c *Config) setServer(idStr, val string) error {
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil || id < 0 || id > 254 {
		return fmt.Errorf("server id %q must be an integer in [0, 254]", idStr)
	}
	spec := ServerSpec{ID: id}
	addrPart, clientPart, hasClient := strings.Cut(val, ";")
	parts := strings.Split(strings.TrimSpace(addrPart), ":")
	if len(parts) < 3 || len(parts) > 4 {
		return fmt.Errorf("want host:peerPort:electionPort[:participant|:observer], got %q", val)
	}
	spec.Host = parts[0]
	if spec.PeerPort, err = strconv.Atoi(parts[1]); err != nil || spec.PeerPort <= 0 || spec.PeerPort > 65535 {
		return fmt.Errorf("bad peer port in %q", val)
	}
	if spec.ElectionPort, err = strconv.Atoi(parts[2]); err != nil || spec.ElectionPort <= 0 || spec.ElectionPort > 65535 {
		return fmt.Errorf("bad election port in %q", val)
	}
	if len(parts) == 4 {
		switch parts[3] {
		case "observer":
			spec.Observer = true
		case "participant":
		default:
			return fmt.Errorf("server type must be participant or observer, got %q", parts[3])
		}
	}
	if hasClient {
		cp := strings.TrimSpace(clientPart)
		if !strings.Contains(cp, ":") {
			cp = "0.0.0.0:" + cp
		}
		host, port, err := net.SplitHostPort(cp)
		if p, perr := strconv.Atoi(port); err != nil || perr != nil || p <= 0 || p > 65535 {
			return fmt.Errorf("bad client address %q", clientPart)
		}
		spec.ClientAddr = net.JoinHostPort(host, port)
	}
	if c.Servers == nil {
		c.Servers = map[int64]ServerSpec{}
	}
	c.Servers[id] = spec
	return nil
}

// Membership is the ensemble's configuration as ZooKeeper prints it in
// /zookeeper/config and after conf's "membership: " line: one
// "server.N=host:quorumPort:electionPort:participant|observer[;host:port]"
// line per server in id order, then "version=0" (a static configuration's
// version), without a final newline. "" for a standalone server.
func (c *Config) Membership() string {
	if !c.Ensemble() {
		return ""
	}
	ids := make([]int64, 0, len(c.Servers))
	for id := range c.Servers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var b strings.Builder
	for _, id := range ids {
		sp := c.Servers[id]
		typ := "participant"
		if sp.Observer {
			typ = "observer"
		}
		host := sp.Host
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		fmt.Fprintf(&b, "server.%d=%s:%d:%d:%s", id, host, sp.PeerPort, sp.ElectionPort, typ)
		if sp.ClientAddr != "" {
			b.WriteString(";" + sp.ClientAddr)
		}
		b.WriteByte('\n')
	}
	b.WriteString("version=0")
	return b.String()
}

// Ensemble reports whether the configuration runs a replicated ensemble
// (rather than a standalone server).
func (c *Config) Ensemble() bool {
	return len(c.Servers) > 1 || (len(c.Servers) == 1 && !c.StandaloneEnabled)
}

// Members returns the voters and the observers.
func (c *Config) Members() (voters, observers []int64) {
	if !c.Ensemble() {
		return []int64{c.ServerID}, nil
	}
	for id, sp := range c.Servers {
		if sp.Observer {
			observers = append(observers, id)
		} else {
			voters = append(voters, id)
		}
	}
	sort.Slice(voters, func(i, j int) bool { return voters[i] < voters[j] })
	sort.Slice(observers, func(i, j int) bool { return observers[i] < observers[j] })
	return voters, observers
}

// Finish applies derived defaults and validates the whole configuration.
// Overrides (command-line flags) are applied by the caller before Finish.
func (c *Config) Finish() error {
	if c.DataDir == "" {
		return fmt.Errorf("dataDir is not set")
	}
	if c.DataLogDir == "" {
		c.DataLogDir = c.DataDir
	}
	if b, err := os.ReadFile(filepath.Join(c.DataDir, "myid")); err == nil {
		id, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || id < 0 || id > 254 {
			return fmt.Errorf("%s: myid must be an integer in [0, 254]", filepath.Join(c.DataDir, "myid"))
		}
		c.ServerID = id
	} else if c.Ensemble() {
		return fmt.Errorf("%s: myid is required for an ensemble: %v", filepath.Join(c.DataDir, "myid"), err)
	}
	if c.Ensemble() {
		me, ok := c.Servers[c.ServerID]
		if !ok {
			return fmt.Errorf("myid %d is not one of the server.N lines", c.ServerID)
		}
		if c.PeerObserver && !me.Observer {
			return fmt.Errorf("peerType=observer but server.%d is not marked :observer", c.ServerID)
		}
		voters, _ := c.Members()
		if len(voters) == 0 {
			return fmt.Errorf("the ensemble has no participants")
		}
		if c.ClientAddr == "" && c.clientPort == 0 && me.ClientAddr != "" {
			c.ClientAddr = me.ClientAddr
		}
	}
	if c.ClientAddr == "" {
		if c.clientPort == 0 {
			return fmt.Errorf("clientPort is not set")
		}
		c.ClientAddr = net.JoinHostPort(c.clientPortAddress, strconv.Itoa(c.clientPort))
	}
	if _, _, err := net.SplitHostPort(c.ClientAddr); err != nil {
		return fmt.Errorf("client address %q: %w", c.ClientAddr, err)
	}
	if !c.minSet || c.MinSessionTimeout <= 0 {
		c.MinSessionTimeout = 2 * c.TickTime
	}
	if !c.maxSet || c.MaxSessionTimeout <= 0 {
		c.MaxSessionTimeout = 20 * c.TickTime
	}
	if c.MinSessionTimeout > c.MaxSessionTimeout {
		return fmt.Errorf("minSessionTimeout %v must not be larger than maxSessionTimeout %v",
			c.MinSessionTimeout, c.MaxSessionTimeout)
	}
	if c.metricsPort > 0 || c.metricsProviderClass != "" {
		port := c.metricsPort
		if port == 0 {
			port = 7000 // ZK's PrometheusMetricsProvider default
		}
		c.MetricsAddr = net.JoinHostPort(c.metricsHost, strconv.Itoa(port))
	}
	return nil
}

// SetClientPort sets clientPort (for callers building a Config in code).
func (c *Config) SetClientPort(p int) { c.clientPort = p }

// sortedWords lists the enabled four-letter words.
func (c *Config) sortedWords() []string {
	var w []string
	for k := range c.FourLetterWords {
		w = append(w, k)
	}
	sort.Strings(w)
	return w
}

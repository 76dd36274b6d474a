package bench

import (
	"testing"
	"time"
)

func TestParseWorkload(t *testing.T) {
	good := map[string]Workload{
		"get":            {Kind: KindGet},
		"create-delete":  {Kind: KindCreateDelete},
		"mixed:90":       {Kind: KindMixed, Param: 90},
		"mixed:0":        {Kind: KindMixed, Param: 0},
		"multi:10":       {Kind: KindMulti, Param: 10},
		"load:200000":    {Kind: KindLoad, Param: 200000},
		"load":           {Kind: KindLoad},
		"watch-fanout":   {Kind: KindWatchFanout},
		"watch-fanout:8": {Kind: KindWatchFanout, Param: 8},
		"sessions":       {Kind: KindSessions},
		"lock":           {Kind: KindLock},
	}
	for s, want := range good {
		got, err := ParseWorkload(s)
		if err != nil || got != want {
			t.Errorf("ParseWorkload(%q) = %+v, %v; want %+v", s, got, err, want)
			continue
		}
		if got.String() != s {
			t.Errorf("%+v prints as %q, want %q", got, got.String(), s)
		}
	}
	for _, s := range []string{"", "gets", "mixed", "mixed:101", "mixed:x", "multi:0", "multi", "get:3", "load:0", "lock:2", "mixed:-1"} {
		if w, err := ParseWorkload(s); err == nil {
			t.Errorf("ParseWorkload(%q) = %+v, want an error", s, w)
		}
	}
}

func TestValidate(t *testing.T) {
	base := func() Config {
		c := DefaultConfig()
		c.Servers = []string{"127.0.0.1:1"}
		return c
	}
	c := base()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(*Config){
		"no servers":      func(c *Config) { c.Servers = nil },
		"zero clients":    func(c *Config) { c.Clients = 0 },
		"zero duration":   func(c *Config) { c.Duration = 0 },
		"negative rate":   func(c *Config) { c.Rate = -1 },
		"rate with lock":  func(c *Config) { c.Workload = Workload{Kind: KindLock}; c.Rate = 10 },
		"huge value":      func(c *Config) { c.ValueSize = 2 << 20 },
		"pids mismatch":   func(c *Config) { c.PIDs = []int{1, 2} },
		"relative root":   func(c *Config) { c.Root = "zen" },
		"root with slash": func(c *Config) { c.Root = "/zen/" },
		"zero keys":       func(c *Config) { c.Keys = 0 },
	}
	for name, mod := range bad {
		c := base()
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	c = base()
	c.Workload = Workload{Kind: KindDelete}
	c.Duration = 0 // delete until done is fine
	c.Inflight = 0 // becomes 1
	if err := c.Validate(); err != nil || c.Inflight != 1 {
		t.Fatalf("delete until done: %v, inflight %d", err, c.Inflight)
	}
	c = base()
	c.Rate = 100
	c.Workload = Workload{Kind: KindMixed, Param: 50}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	_ = time.Second
}

func TestParseLists(t *testing.T) {
	if got := ParseServers(" a:1, b:2 ,,"); len(got) != 2 || got[0] != "a:1" || got[1] != "b:2" {
		t.Fatal(got)
	}
	if got, err := ParsePIDs("12, 34"); err != nil || len(got) != 2 || got[1] != 34 {
		t.Fatal(got, err)
	}
	if _, err := ParsePIDs("12,x"); err == nil {
		t.Fatal("bad pid accepted")
	}
}

func TestCaseNames(t *testing.T) {
	for _, c := range []struct {
		w        string
		clients  int
		inflight int
		rate     float64
		want     string
	}{
		{"get", 16, 1, 0, "get 16x1"},
		{"mixed:90", 64, 8, 0, "mixed:90 64x8"},
		{"get", 4, 1, 5000, "get 4x1 @5000/s"},
		{"lock", 16, 4, 0, "lock 64"},
		{"watch-fanout", 16, 1, 0, "watch-fanout 16"},
		{"load:200000", 32, 8, 0, "load 200000"},
	} {
		cfg := DefaultConfig()
		cfg.Workload, _ = ParseWorkload(c.w)
		cfg.Clients, cfg.Inflight, cfg.Rate = c.clients, c.inflight, c.rate
		if got := caseName(&cfg); got != c.want {
			t.Errorf("caseName(%s %dx%d) = %q, want %q", c.w, c.clients, c.inflight, got, c.want)
		}
	}
}

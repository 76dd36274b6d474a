package diff

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Scenario is one named script: a list of steps run against a fresh server
// (or a fresh subtree of a shared one).
type Scenario struct {
	Name    string
	File    string
	Line    int
	Variant string // server configuration, see Variants
	Fresh   bool   // needs a server nobody else touched (no subtree prefix)
	// StandaloneOracle compares an ensemble target (ZEN_DIFF_TARGET) with a
	// standalone ZooKeeper rather than a ZooKeeper ensemble: for inputs
	// that upset a 3.8.0 ensemble (the file says why).
	StandaloneOracle bool
	Steps            []*Step
}

// Step is one line of a scenario, or one element of a bracketed group.
type Step struct {
	Line int
	Text string // source text, for the transcript
	Conn string // "s1" … or "" for steps that are not bound to a connection
	Cmd  string
	Args []Tok
	Opts map[string]Tok
	Sub  []*Step // the bracketed group, if any (multi, multiread, pipe, connect)
}

// Tok is one token of a step.
type Tok struct {
	S      string
	Quoted bool
}

func (s *Step) arg(i int) (Tok, bool) {
	if i < len(s.Args) {
		return s.Args[i], true
	}
	return Tok{}, false
}

func (s *Step) hasFlag(word string) bool {
	for _, a := range s.Args {
		if !a.Quoted && a.S == word {
			return true
		}
	}
	return false
}

func (s *Step) opt(key string) (Tok, bool) {
	t, ok := s.Opts[key]
	return t, ok
}

var (
	connRe   = regexp.MustCompile(`^s[0-9]+$`)
	headerRe = regexp.MustCompile(`^===\s+(\S+)(.*)$`)
	optKeyRe = regexp.MustCompile(`^[a-z][a-z0-9]*=`)
)

// LoadDir parses every *.zs file in dir, sorted by file name.
func LoadDir(dir string) ([]*Scenario, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.zs"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var all []*Scenario
	seen := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		scs, err := Parse(filepath.Base(f), string(b))
		if err != nil {
			return nil, err
		}
		for _, sc := range scs {
			if prev, ok := seen[sc.Name]; ok {
				return nil, fmt.Errorf("%s:%d: scenario %q already defined in %s", sc.File, sc.Line, sc.Name, prev)
			}
			seen[sc.Name] = sc.File
		}
		all = append(all, scs...)
	}
	return all, nil
}

// Parse reads scenarios from the text of one file. A scenario starts with a
// header line "=== name [variant=V] [fresh] [oracle=standalone]"; every
// other non-blank line
// that does not start with '#' is a step.
func Parse(file, text string) ([]*Scenario, error) {
	var out []*Scenario
	var cur *Scenario
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	ln := 0
	for sc.Scan() {
		ln++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if m := headerRe.FindStringSubmatch(line); m != nil {
			cur = &Scenario{Name: m[1], File: file, Line: ln, Variant: "main"}
			for _, w := range strings.Fields(m[2]) {
				switch {
				case w == "fresh":
					cur.Fresh = true
				case w == "oracle=standalone":
					cur.StandaloneOracle = true
				case strings.HasPrefix(w, "variant="):
					cur.Variant = strings.TrimPrefix(w, "variant=")
					if _, ok := Variants[cur.Variant]; !ok {
						return nil, fmt.Errorf("%s:%d: unknown variant %q", file, ln, cur.Variant)
					}
				default:
					return nil, fmt.Errorf("%s:%d: unknown scenario option %q", file, ln, w)
				}
			}
			out = append(out, cur)
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("%s:%d: step before the first === header", file, ln)
		}
		st, err := parseStep(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", file, ln, err)
		}
		st.Line = ln
		if err := checkStep(st); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", file, ln, err)
		}
		cur.Steps = append(cur.Steps, st)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, s := range out {
		if len(s.Steps) == 0 {
			return nil, fmt.Errorf("%s:%d: scenario %q has no steps", file, s.Line, s.Name)
		}
	}
	return out, nil
}

// tokenize splits a line into tokens: double-quoted strings (Go syntax),
// the punctuation "[", "]" and ";", and whitespace-separated words.
func tokenize(line string) ([]Tok, error) {
	var toks []Tok
	i := 0
	for i < len(line) {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '[' || c == ']' || c == ';':
			toks = append(toks, Tok{S: string(c)})
			i++
		case c == '"':
			j := i + 1
			for j < len(line) && line[j] != '"' {
				if line[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(line) {
				return nil, fmt.Errorf("unterminated string")
			}
			s, err := strconv.Unquote(line[i : j+1])
			if err != nil {
				return nil, fmt.Errorf("bad string %s: %v", line[i:j+1], err)
			}
			toks = append(toks, Tok{S: s, Quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(line) && !strings.ContainsRune(" \t[];\"", rune(line[j])) {
				j++
			}
			w := line[i:j]
			// key="quoted value"
			if j < len(line) && line[j] == '"' && strings.HasSuffix(w, "=") {
				k := j + 1
				for k < len(line) && line[k] != '"' {
					if line[k] == '\\' {
						k++
					}
					k++
				}
				if k >= len(line) {
					return nil, fmt.Errorf("unterminated string")
				}
				s, err := strconv.Unquote(line[j : k+1])
				if err != nil {
					return nil, fmt.Errorf("bad string %s: %v", line[j:k+1], err)
				}
				toks = append(toks, Tok{S: w + s, Quoted: false})
				i = k + 1
				continue
			}
			toks = append(toks, Tok{S: w})
			i = j
		}
	}
	return toks, nil
}

func parseStep(line string) (*Step, error) {
	toks, err := tokenize(line)
	if err != nil {
		return nil, err
	}
	st, rest, err := buildStep(toks, true)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("unexpected %q", rest[0].S)
	}
	st.Text = line
	return st, nil
}

// buildStep consumes one step from toks, stopping at ";" or "]" at depth 0.
func buildStep(toks []Tok, top bool) (*Step, []Tok, error) {
	st := &Step{Opts: map[string]Tok{}}
	if len(toks) == 0 {
		return nil, nil, fmt.Errorf("empty step")
	}
	if top && !toks[0].Quoted && connRe.MatchString(toks[0].S) {
		st.Conn = toks[0].S
		toks = toks[1:]
	}
	if len(toks) == 0 || toks[0].Quoted {
		return nil, nil, fmt.Errorf("missing command")
	}
	st.Cmd = toks[0].S
	toks = toks[1:]
	var text []string
	text = append(text, st.Cmd)
	for len(toks) > 0 {
		t := toks[0]
		if !t.Quoted && (t.S == ";" || t.S == "]") {
			break
		}
		toks = toks[1:]
		if !t.Quoted && t.S == "[" {
			if st.Sub != nil {
				return nil, nil, fmt.Errorf("two bracketed groups in one step")
			}
			st.Sub = []*Step{}
			for {
				if len(toks) == 0 {
					return nil, nil, fmt.Errorf("missing ]")
				}
				if !toks[0].Quoted && toks[0].S == "]" {
					toks = toks[1:]
					break
				}
				if !toks[0].Quoted && toks[0].S == ";" {
					toks = toks[1:]
					continue
				}
				sub, rest, err := buildStep(toks, false)
				if err != nil {
					return nil, nil, err
				}
				sub.Text = strings.Join(sub.textParts(), " ")
				st.Sub = append(st.Sub, sub)
				toks = rest
			}
			continue
		}
		if !t.Quoted && optKeyRe.MatchString(t.S) {
			i := strings.IndexByte(t.S, '=')
			st.Opts[t.S[:i]] = Tok{S: t.S[i+1:]}
			continue
		}
		st.Args = append(st.Args, t)
	}
	return st, toks, nil
}

func (s *Step) textParts() []string {
	p := []string{s.Cmd}
	for _, a := range s.Args {
		if a.Quoted {
			p = append(p, strconv.Quote(a.S))
		} else {
			p = append(p, a.S)
		}
	}
	keys := make([]string, 0, len(s.Opts))
	for k := range s.Opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p = append(p, k+"="+s.Opts[k].S)
	}
	if s.Sub != nil {
		var subs []string
		for _, sub := range s.Sub {
			subs = append(subs, strings.Join(sub.textParts(), " "))
		}
		p = append(p, "["+strings.Join(subs, "; ")+"]")
	}
	return p
}

// globalCmds are the steps that are not bound to a connection.
var globalCmds = map[string]bool{"4lw": true, "sleep": true, "settle": true, "note": true}

// connCmds are the steps that need a connection name.
var connCmds = map[string]bool{
	"connect": true, "dial": true, "close": true, "drop": true, "events": true, "alive": true, "wait-event": true,
	"await-close": true,
	"frame":       true, "pipe": true,
}

func checkStep(st *Step) error {
	if globalCmds[st.Cmd] {
		if st.Conn != "" {
			return fmt.Errorf("%s takes no connection", st.Cmd)
		}
		return nil
	}
	if st.Conn == "" {
		return fmt.Errorf("%s needs a connection (s1 %s …)", st.Cmd, st.Cmd)
	}
	if connCmds[st.Cmd] {
		for _, sub := range st.Sub {
			if _, ok := requestOps[sub.Cmd]; !ok {
				return fmt.Errorf("%s: %q is not a request", st.Cmd, sub.Cmd)
			}
		}
		return nil
	}
	if _, ok := requestOps[st.Cmd]; !ok {
		return fmt.Errorf("unknown command %q", st.Cmd)
	}
	return nil
}

package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat.
// Linux reports these in 1/100 s on every architecture (the kernel converts
// from its internal HZ), so it is a constant, not sysconf(_SC_CLK_TCK).
const clockTicks = 100

// ProcSample is one reading of a process's CPU time and resident memory.
type ProcSample struct {
	CPU      float64 // user + system CPU, seconds
	RSSBytes int64   // VmRSS
}

// errNoProc is returned when /proc has no such process.
var errNoProc = errors.New("bench: no such process")

// SampleProc reads /proc/PID/stat and /proc/PID/status; pid 0 means this
// process (/proc/self).
func SampleProc(pid int) (ProcSample, error) {
	dir := "/proc/self"
	if pid > 0 {
		dir = "/proc/" + strconv.Itoa(pid)
	}
	var s ProcSample
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		if os.IsNotExist(err) {
			return s, errNoProc
		}
		return s, err
	}
	if s.CPU, err = parseStatCPU(stat); err != nil {
		return s, err
	}
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return s, err
	}
	s.RSSBytes, err = parseStatusRSS(status)
	return s, err
}

// parseStatCPU returns utime+stime in seconds from a /proc/PID/stat line.
// The command name (field 2) is in parentheses and may itself hold spaces
// and parentheses, so fields are counted from the last ')'.
func parseStatCPU(b []byte) (float64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("bench: malformed /proc stat line")
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: short /proc stat line")
	}
	ut, err1 := strconv.ParseUint(string(f[11]), 10, 64)
	st, err2 := strconv.ParseUint(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bench: bad utime/stime in /proc stat line")
	}
	return float64(ut+st) / clockTicks, nil
}

// parseStatusRSS returns VmRSS in bytes from /proc/PID/status (0 when the
// line is missing, as for a zombie).
func parseStatusRSS(b []byte) (int64, error) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) == 0 {
			return 0, fmt.Errorf("bench: bad VmRSS line")
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bench: bad VmRSS line: %w", err)
		}
		return kb * 1024, nil
	}
	return 0, nil
}

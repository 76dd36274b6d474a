package engine

import "unicode/utf8"

// validatePath is ZooKeeper's PathUtils.validatePath: absolute, no trailing
// slash (except "/"), no empty, "." or ".." component, no control, surrogate
// (every non-BMP character), private-use or U+FFF0..U+FFFF character. Invalid
// UTF-8 decodes to U+FFFD, which is rejected too.
func validatePath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	if len(p) == 1 {
		return true
	}
	if p[len(p)-1] == '/' {
		return false
	}
	prev := '/'
	compStart := 1
	for i := 1; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		switch {
		case r == 0:
			return false
		case r == '/':
			if prev == '/' {
				return false
			}
			if comp := p[compStart:i]; comp == "." || comp == ".." {
				return false
			}
			compStart = i + 1
		case r <= 0x1f, r >= 0x7f && r <= 0x9f, r >= 0xd800 && r <= 0xf8ff, r >= 0xfff0:
			// r >= 0xfff0 covers U+FFFD (invalid UTF-8) and every non-BMP
			// rune (a surrogate pair in Java).
			return false
		}
		prev = r
		i += size
	}
	if comp := p[compStart:]; comp == "." || comp == ".." {
		return false
	}
	return true
}

// parentOf returns the parent path of an absolute path ("/" for "/a").
func parentOf(p string) string {
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "/"
}

// lastSlash is strings.LastIndexByte(p, '/').
func lastSlash(p string) int {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return i
		}
	}
	return -1
}

// hasNUL reports whether p contains a NUL byte.
func hasNUL(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] == 0 {
			return true
		}
	}
	return false
}

// isSpecialPath reports the nodes no client may delete.
func isSpecialPath(p string) bool {
	switch p {
	case "/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config":
		return true
	}
	return false
}

package engine

import (
	"slices"
	"strconv"
	"testing"
)

// Values from java.lang.String.hashCode.
func TestJavaStringHash(t *testing.T) {
	for s, want := range map[string]int32{
		"":           0,
		"a":          97,
		"/zookeeper": 954481661,
		"hello":      99162322,
		"\U0001F600": 1772899, // a surrogate pair
	} {
		if got := javaStringHash(s); got != want {
			t.Errorf("hash(%q) = %d, want %d", s, got, want)
		}
	}
}

// The order a java.util.HashSet iterates these paths in, checked with a
// real JVM (java.util.HashSet filled in this order, then iterated).
func TestJavaHashSetOrder(t *testing.T) {
	in := []string{"/test/e", "/test/s0000000001", "/a", "/b/c", "/zz"}
	got := slices.Clone(in)
	javaHashSetOrder(got)
	want := []string{"/b/c", "/test/s0000000001", "/a", "/test/e", "/zz"}
	if !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
	// 40 entries: the set has grown to 64 buckets.
	var big []string
	for i := 0; i < 40; i++ {
		big = append(big, "/q/n"+strconv.Itoa(i))
	}
	javaHashSetOrder(big)
	wantBig := []string{"/q/n24", "/q/n23", "/q/n22", "/q/n21", "/q/n28", "/q/n0", "/q/n27", "/q/n26", "/q/n25",
		"/q/n29", "/q/n9", "/q/n3", "/q/n4", "/q/n1", "/q/n2", "/q/n7", "/q/n31", "/q/n8", "/q/n30", "/q/n5",
		"/q/n6", "/q/n13", "/q/n35", "/q/n12", "/q/n34", "/q/n11", "/q/n33", "/q/n10", "/q/n32", "/q/n17",
		"/q/n39", "/q/n16", "/q/n38", "/q/n15", "/q/n37", "/q/n14", "/q/n36", "/q/n19", "/q/n18", "/q/n20"}
	if !slices.Equal(big, wantBig) {
		t.Errorf("order of 40 %q,\nwant %q", big, wantBig)
	}
}

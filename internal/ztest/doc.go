// Package ztest holds test fixtures shared by zen's test suites: an
// in-process zen server on a free port, the zen binary built once per test
// binary, a real Apache ZooKeeper process, and a raw protocol client that
// can send any frame (including ones no real client would).
package ztest

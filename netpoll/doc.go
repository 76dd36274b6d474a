// Package netpoll is zen's client-port network layer: gnet v2 event loops that
// accept connections, enforce the per-IP connection limit, detect four-letter
// words, cut the byte stream into length-prefixed frames (rejecting negative
// or over-size lengths), and write replies.
//
// It makes no semantic decisions: every frame goes to a Handler.
//
// Goroutines and ownership:
//   - Handler.Opened, Frame, Drain, FourLetter and Closed run on the
//     connection's event loop, one at a time per connection. A frame slice is
//     valid only during the Frame call.
//   - Conn.BeginWrite/EndWrite, Wake, Resume and Close may be called from any
//     goroutine (the engine's applier appends replies and watch events from
//     its own goroutine). Output is appended to a per-connection buffer under
//     a mutex and written to the socket by the loop: at the end of every
//     OnTraffic, so many replies leave in one write syscall.
//   - Wake schedules one OnTraffic (coalesced: any number of Wakes before the
//     loop runs cost one loop task), in which the loop first calls
//     Handler.Drain, then decodes any buffered frames, then flushes.
//
// Invariants: bytes handed to BeginWrite/EndWrite reach the socket in the
// order they were appended; a paused connection gets no Frame calls (its
// bytes stay buffered) until Resume; a connection closed by Close first
// flushes everything appended before the Close.
package netpoll

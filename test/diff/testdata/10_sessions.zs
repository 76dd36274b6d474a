# Handshake variants, session resumption, closeSession, expiry
# (PROTOCOL.md §2, §14). Sessions: tickTime 200, min 400 ms, max 20000 ms.

=== handshake-timeout-negotiation
s1 connect timeout=100
s2 connect timeout=0
s3 connect timeout=-5
s4 connect timeout=999999
s5 connect timeout=5000
s6 connect timeout=400
s7 connect timeout=20001
s8 connect timeout=401

=== handshake-without-readonly-byte
s1 connect noro
s1 create /a
s2 connect session=s1 noro
s2 get /a

=== handshake-readonly-requested
s1 connect ro
s1 create /a x
s1 get /a

=== handshake-protocol-version-ignored
s1 connect proto=7
s1 create /a

=== handshake-lastzxid
s1 connect
s2 connect lastzxid=+1
s3 connect lastzxid=+2
s4 connect lastzxid=+4
s5 connect lastzxid=+1000
s6 connect lastzxid=-1
s1 create /a

=== handshake-lastzxid-ahead-on-resume
s1 connect
s1 create /e x flags=ephemeral
s1 drop
s2 connect session=s1 lastzxid=+50
s3 connect session=s1 lastzxid=+2
s3 exists /e

=== handshake-resume-session
s1 connect
s1 create /e x flags=ephemeral
s2 connect session=s1
s2 exists /e
s2 ephemerals /
s1 alive
s2 create /f x flags=ephemeral
s2 close
s3 connect
s3 exists /e
s3 exists /f

=== handshake-resume-with-other-timeout
s1 connect timeout=10000
s2 connect session=s1 timeout=4000
s3 connect session=s1 timeout=50
s3 create /a

=== handshake-wrong-password
s1 connect
s1 create /e x flags=ephemeral
s2 connect session=s1 passwd=bad
s2 await-close
s1 alive
s3 connect session=s1 passwd=zero
s4 connect session=s1 passwd=short
s5 connect session=s1 passwd=empty
s1 exists /e

=== handshake-unknown-session
s1 connect session=0x1234567
s1 await-close
s2 connect session=-1
s2 await-close

=== handshake-closed-session
s1 connect
s1 close
s2 connect session=s1
s2 await-close

=== handshake-pipelined-requests
s1 connect [auth digest u:p; create /a x; get /a; whoami; exists /a watch; set /a y]
s1 ping

=== handshake-garbage
s1 dial
s1 frame x:0000000500000000 reply=1
s1 alive
s2 dial
s2 frame auto i:0 l:0 i:10000 l:0
s2 alive
s3 dial
s3 frame auto i:0 l:0 i:10000 l:0 i:16 x:00000000000000000000000000000000 b:0 x:deadbeef
s3 alive

=== handshake-request-instead-of-connect
s1 dial
s1 frame auto i:1 i:4 s:/ b:0
s1 alive

=== handshake-oversized-connect-frame
s1 dial
s1 frame x:00100000 reply=1
s1 alive

=== closesession-deletes-ephemerals
s1 connect
s2 connect
s1 create /e1 x flags=ephemeral
s1 create /p
s1 create /p/e2 x flags=eseq
s2 exists /e1 watch
s2 close
s3 connect
s3 exists /e1 watch
s1 close
s3 events
s3 ls2 /p
s3 exists /e1

# (closesession-then-requests was removed: requests pipelined behind a
# closeSession race with the connection's close in ZooKeeper 3.8.0 — repeated
# runs answer them with SessionExpired, or not, and the create takes a zxid,
# or not — so no fixed outcome can be compared. zen stops reading after a
# closeSession; test/e2e covers that.)

=== closesession-twice-on-resumed-connection
s1 connect
s2 connect session=s1
s2 close
s1 alive

=== session-expiry
s1 connect timeout=1000
s1 create /e x flags=ephemeral
s2 connect
s2 exists /e watch
s2 wait-event
s2 exists /e
s3 connect session=s1
s3 alive
s1 alive

=== session-kept-alive-by-resume
s1 connect timeout=600
s1 create /e x flags=ephemeral
s1 drop
s2 connect session=s1 timeout=10000
s2 exists /e
s3 connect
s3 exists /e

=== session-expiry-watches-and-ephemeral-parent
s1 connect timeout=1000
s1 create /p
s1 create /p/e x flags=ephemeral
s2 connect
s2 ls /p watch
s2 get /p/e watch
# Both events, one wait each: zen answers a ping on the event loop at once,
# so a ping ("events") can overtake the second notification of the expiry
# txn while the applier is still queueing it (seen once on a follower
# under -race); ZooKeeper orders pings behind the txn's notifications.
s2 wait-event
s2 wait-event
s2 ls2 /p

=== ping-replies
s1 connect
s1 ping
s1 ping xid=5
s1 ping xid=0
s1 create /a
s1 ping

=== request-xids
s1 connect
s1 create /a xid=0
s1 get /a xid=-7
s1 get /a xid=2147483647
s1 get /a xid=-2147483648
s1 alive

=== two-connections-same-session-old-one-closed
s1 connect
s2 connect session=s1
s1 alive
s2 alive
s3 connect session=s1
s2 alive
s3 create /a

# sync, whoAmI, getEphemerals, unknown and non-top-level opcodes,
# reconfig, sasl, malformed bodies.

=== sync-paths
s1 connect
s1 create /a
s1 sync /a
s1 sync /missing
s1 sync ^/
s1 sync ""
s1 sync "/x/"
s1 sync null
s1 alive

=== whoami-identities
s1 connect
s1 whoami
s1 auth digest a:b
s1 whoami
s1 auth digest a:b
s1 whoami
s1 auth digest c:d
s1 whoami
s1 auth digest super:diffsuper
s1 whoami

=== whoami-with-body
s1 connect
s1 raw 107 x:deadbeef
s1 alive

=== getephemerals-prefixes
s1 connect
s2 connect
s1 create /d
s1 create /e1 x flags=ephemeral
s1 create /d/e2 x flags=ephemeral
s1 create /d/s- x flags=eseq
s2 create /e3 x flags=ephemeral
s1 ephemerals /
s1 ephemerals /d
s1 ephemerals /d/
s1 ephemerals /e
s1 ephemerals /nomatch
s1 ephemerals "/d/e"
s2 ephemerals /
s3 connect
s3 ephemerals /

=== getephemerals-all-of-session
s1 connect
s1 create /e x flags=ephemeral
s1 create /f x flags=ephemeral
s1 ephemerals ""
s1 ephemerals " "
s1 ephemerals ^/
s1 ephemerals null

=== unknown-opcodes
s1 connect
s1 raw 0
s1 await-close
s2 connect
s2 raw 10
s2 await-close
s3 connect
s3 raw 23
s3 await-close
s4 connect
s4 raw 99
s4 await-close
s5 connect
s5 raw 108
s5 await-close
s6 connect
s6 raw 1000
s6 await-close
s7 connect
s7 raw -1
s7 await-close
# (Opcode -10, createSession, sent as a request makes ZooKeeper 3.8.0 create a
# second session and answer with a ConnectResponse on the same connection:
# a ZooKeeper bug, not compared.)

# oracle=standalone: on a 3.8.0 ensemble member a top-level check drops
# every client connection and the member stops serving for a while (a
# ZooKeeper bug); an ensemble target is compared with a standalone server.
=== check-top-level oracle=standalone
s1 connect
s1 create /a
s1 check /a 0
s1 await-close
s1 alive

=== deletecontainer-from-client
s1 connect
s1 create /p
s1 deletecontainer /p
s1 alive
s2 connect
s2 exists /p
s2 createcontainer /c
s2 deletecontainer /c
s2 alive
s3 connect
s3 exists /c

=== reconfig-standalone
s1 connect
s1 reconfig join="server.2=127.0.0.1:2888:3888;2181"
s1 reconfig members="server.1=127.0.0.1:2888:3888;2181"
s1 reconfig leave=2 config=5
s1 reconfig
s1 alive

=== sasl-without-sasl
s1 connect
s1 sasl x:0102
s1 alive

=== sasl-null-token
s1 connect
s1 sasl null
s1 await-close

=== malformed-read-bodies
s1 connect
s1 create /a x
s1 raw 4 x:000000
s1 alive
s2 connect
s2 raw 4
s2 alive
s3 connect
s3 raw 3 s:/a b:0 x:deadbeef
s3 alive
s4 connect
s4 raw 8 i:-2
s4 alive
s5 connect
s5 raw 12 i:100 str:/a
s5 alive
s6 connect
s6 raw 104
s6 alive
s7 connect
s7 raw 6 i:-1
s7 alive

=== malformed-write-bodies
s1 connect
s1 create /a x
s1 raw 1 s:/b
s1 alive
s2 connect
s2 raw 5 s:/a d:x
s2 alive
s3 connect
s3 raw 2 s:/a
s3 alive
s4 connect
s4 raw 7 s:/a i:1
s4 alive
s5 connect
s5 raw 1 s:/c d:x i:-2
s5 alive
s6 connect
s6 raw 15 s:/d d:x i:1 x:0000001f00000005776f726c6400000006616e796f6e65 i:0 x:ffff
s6 alive
s7 connect
s7 exists /b
s7 exists /c
s7 exists /d
s7 get /a

=== malformed-other-bodies
s1 connect
s1 raw 101 l:0
s1 alive
s2 connect
s2 raw 106 s:/a
s2 alive
s3 connect
s3 raw 103
s3 alive
s4 connect
s4 raw 100 i:0
s4 alive
s5 connect
s5 raw 17 s:/a
s5 alive
s6 connect
s6 raw 9
s6 alive

=== trailing-bytes-ignored
s1 connect
s1 raw 1 s:/a d:x x:0000000100000001f00000005776f726c6400000006616e796f6e65
s1 create /b x
s1 raw 4 s:/b b:0 x:00112233
s1 raw 3 s:/b b:1 x:00
s1 raw 11 x:00 xid=-2
s1 alive

=== negative-lengths
s1 connect
s1 raw 4 i:-5
s1 alive
s2 connect
s2 raw 1 s:/a i:-7
s2 alive
s3 connect
s3 raw 8 i:2000000000
s3 alive

=== oversized-and-negative-frame
s1 connect
s1 frame x:fffffff0 reply=1
s1 alive
s2 connect
s2 frame x:00100000 reply=1
s2 alive
s3 connect
s3 frame x:000fffff x:00000001 reply=none
s3 alive

=== zero-length-frame
s1 connect
s1 frame x:00000000 reply=1
s1 alive
s2 connect
s2 frame x:00000004 x:00000001 reply=1
s2 alive

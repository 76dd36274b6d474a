# More session and connection behaviour.

=== second-connect-request-on-established-connection
s1 connect
s1 create /a
s1 frame auto i:0 l:0 i:10000 l:0 i:16 x:00000000000000000000000000000000 b:0
s1 alive

=== request-special-xids
s1 connect
s1 create /a
s1 get /a xid=-8
s1 get /a xid=-3
s1 exists /a xid=-4
s1 alive

=== session-ephemerals-survive-reconnect-chain
s1 connect
s1 create /e x flags=ephemeral
s2 connect session=s1
s3 connect session=s1
s3 create /f x flags=ephemeral
s3 ephemerals /
s4 connect
s4 ls2 /
s3 close
s4 ls2 /

=== session-pipelined-writes-then-close
s1 connect
s1 pipe [create /a; create /a/b x flags=ephemeral; set /a y; get /a; ls2 /a; closesession]
s2 connect
s2 ls2 /a
s2 get /a

=== session-long-pipeline-order
s1 connect
s1 pipe [create /a 0; set /a 1; get /a; set /a 2; exists /a; set /a 3 1; get /a; delete /a 5; set /a 4 2; get /a; ls2 /; delete /a; exists /a; create /a 9; get /a]

=== session-reads-see-own-writes-pipelined
s1 connect
s1 pipe [create /p; ls /p; create /p/a; ls /p; create /p/b; ls2 /p; delete /p/a; ls /p; count /p]

=== session-timeout-echo-on-resume
s1 connect timeout=5000
s2 connect session=s1 timeout=7000
s3 connect session=s1
s4 connect session=s1 timeout=100

# oracle=standalone: a 3.8.0 quorum keeps the session's creation timeout
# after a reattach (on a follower until the client sends a request on the
# new connection, on the leader for good), although the ConnectResponse
# granted the new one; zen applies the granted timeout at once on every
# member, as a standalone ZooKeeper does.
=== session-expiry-of-resumed-session oracle=standalone
s1 connect timeout=10000
s1 create /e x flags=ephemeral
s2 connect session=s1 timeout=1000
s2 drop
s3 connect
s3 exists /e watch
s3 wait-event
s3 exists /e

=== session-close-deletes-ephemerals-in-one-zxid
s1 connect
s1 create /a x flags=ephemeral
s1 create /b x flags=ephemeral
s1 create /c x flags=ephemeral
s2 connect
s2 exists /a watch
s3 connect
s3 exists /b watch
s4 connect
s4 exists /c watch
s1 close
s2 events
s3 events
s4 events
s2 ls2 /

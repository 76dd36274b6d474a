# setWatches (101) / setWatches2 (105): re-arming with catch-up events
# relative to the client's last zxid.

=== setwatches-catch-up
s1 connect
s1 create /a x
s1 create /p
s1 create /q
s2 connect
s2 set /a y
s2 create /p/c
s3 connect
s3 setwatches +4 data=/a,/missing,/q exist=/a,/nope child=/p,/missing2,/q
s3 events
s2 create /nope
s2 set /q z
s2 create /q/k
s3 events

=== setwatches-current-zxid-registers
s1 connect
s1 create /a x
s1 create /p
s2 connect
s2 setwatches +3 data=/a exist=/b child=/p
s1 set /a y
s1 create /b
s1 create /p/c
s2 events

=== setwatches-ahead-of-server
s1 connect
s1 create /a x
s2 connect
s2 setwatches +1000 data=/a,/missing exist=/a child=/a
s1 set /a y
s1 create /a/c
s2 events

=== setwatches-zero-relative
s1 connect
s1 create /a x
s2 connect
s2 setwatches 0 data=/a exist=/a,/b child=/a
s2 events

=== setwatches-java-xid
s1 connect
s1 create /a x
s2 connect
s2 setwatches +1 data=/a xid=-8
s2 setwatches +1 child=/a xid=-8

=== setwatches-pipelined-in-handshake
s1 connect
s1 create /a x
s1 create /p
s1 drop
s2 connect
s2 set /a y
s3 connect session=s1 [auth digest u:p; setwatches +3 data=/a child=/p xid=-8; get /a; whoami]
s2 create /p/c
s3 events

=== setwatches2-persistent-lists
s1 connect
s1 create /a x
s2 connect
s2 setwatches2 +1 data=/a persistent=/p recursive=/r
s1 create /p
s1 create /p/c
s1 create /r
s1 create /r/x
s1 set /r/x 1
s2 events
s2 checkwatches /p persistent
s2 checkwatches /r recursive

=== setwatches-empty-and-odd
s1 connect
s1 setwatches +1
s1 setwatches2 +1
s1 setwatches +1 data=a,,/x
s1 alive

=== setwatches-noauth-node-still-fires
s1 connect
s1 create /l x acl=1:digest:@x:y
s2 connect
s2 setwatches +1 data=/l exist=/l child=/l
s2 events

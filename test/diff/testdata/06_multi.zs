# multi (14) and multiRead (22): result shapes, failures, dependencies,
# malformed records (PROTOCOL.md §9).

=== multi-success-all-op-types
s1 connect
s1 create /m
s1 multi [create /m/a x; create2 /m/b y; createcontainer /m/c; createttl /m/t z ttl=5000; set /m/a x2 0; check /m/b 0; delete /m/b]
s1 ls2 /m
s1 get /m/a
s1 exists /m/c
s1 exists /m/t

=== multi-failure-first-middle-last
s1 connect
s1 create /a x
s1 multi [create /a; create /b; set /a y]
s1 multi [create /b; check /a 5; set /a y]
s1 multi [create /b; set /a y; delete /missing]
s1 exists /b
s1 get /a

=== multi-empty
s1 connect
s1 multi []
s1 multiread []
s1 create /a

=== multi-dependent-subops
s1 connect
s1 multi [create /p; create /p/c x; set /p/c y 0; check /p/c 1; create /p/s- flags=seq; create /p/s- flags=seq; delete /p/c; create /p/c z]
s1 ls2 /p
s1 get /p/c
s1 multi [delete /p/c; delete /p]
s1 multi [delete /p/c; create /p/c; check /p/c 0; set /p/c q 0; set /p/c r 1]
s1 get /p/c

=== multi-delete-order
s1 connect
s1 create /p
s1 create /p/c
s1 multi [delete /p; delete /p/c]
s1 multi [delete /p/c; delete /p]
s1 exists /p

=== multi-zxids
s1 connect
s1 multi [create /a; create /b; set /a x]
s1 get /a
s1 exists /b
s1 multi [create /c; create /a]
s1 create /d
s1 get /d

=== multi-watches-fire-per-subop
s1 connect
s1 create /a
s1 create /b
s2 connect
s2 get /a watch
s2 exists /b watch
s2 ls / watch
s2 exists /c watch
s1 multi [set /a 1; delete /b; create /c; set /c 2]
s2 events
s2 get /a watch
s1 multi [set /a 3; create /a]
s2 events

=== multi-own-watch-before-reply
s1 connect
s1 create /a
s1 get /a watch
s1 multi [set /a 1; create /b]
s1 exists /b watch
s1 multi [delete /b]

=== multi-create-result-types
s1 connect
s1 multi [create /a; create2 /b; createcontainer /c; createttl /d x ttl=100000]
s1 multi [create /e op=15; create2 /f op=1]

=== multi-error-codes
s1 connect
s1 create /p x acl=r
s1 create /e x flags=ephemeral
s1 multi [create /p/c]
s1 multi [create /e/c]
s1 multi [create /x/y]
s1 multi [create a]
s1 multi [create /p/.]
s1 multi [create /q acl=none]
s1 multi [create /q acl=31:world:foo]
s1 multi [set /missing x]
s1 multi [check /missing 0]
s1 multi [check /p -1]
s1 multi [check /p 1]
s1 multi [delete /missing]
s1 multi [delete ^/zookeeper]
s1 multi [create /e x]
s1 multi [createttl /t x ttl=0]
s1 multi [createttl /t x ttl=10 flags=0]
s1 multi [set /p x 4]

=== multi-bad-flags
s1 connect
s1 multi [create /a flags=7]
s1 multi [create /a; create /b flags=-1]
s1 multi [create2 /a flags=9]
s1 multi [createcontainer /a flags=7]
s1 exists /a

=== multi-malformed
s1 connect
s1 create /a
s1 multi [get /a]
s1 multi [create /b; ls /a]
s1 multiread [create /b]
s1 multiread [exists /a]
s1 multi [raw 14 x:ffffffff01ffffffff]
s1 multi [create /c] noend
s1 multi [raw 99]
s1 multi [raw 0]
s1 multi [raw -1]
s1 raw 14 x:0000000100ffffffff
s1 raw 14
s1 raw 22 x:0000000400ffffffff
s1 exists /b
s1 exists /c
s1 alive

=== multi-header-done-flag-variants
s1 connect
s1 raw 14 x:ffffffff00ffffffff
s1 raw 14 x:0000000101ffffffff
s1 raw 14 x:ffffffff01ffffffffdeadbeef
s1 raw 14 x:ffffffff0100000000
s1 alive

=== multiread-mixed
s1 connect
s1 create /a x
s1 create /a/c1
s1 create /a/c2
s1 create /l y acl=1:digest:@x:y
s1 multiread [get /a; ls /a; get /missing; ls /missing; get /l; ls /l; get /a/c1]

=== multiread-ignores-watch-flag
s1 connect
s1 create /a x
s1 multiread [get /a watch; ls /a watch]
s2 connect
s2 set /a y
s2 create /a/b
s1 events

=== multi-ttl-disabled variant=plain
s1 connect
s1 multi [create /a; createttl /t x ttl=1000]
s1 multi [createttl /t x ttl=1000 flags=ttlseq]
s1 exists /a

=== multi-ephemeral-and-sequential
s1 connect
s1 create /q
s1 multi [create /q/e x flags=ephemeral; create /q/s- flags=eseq; create /q/s- flags=seq]
s1 ephemerals /
s1 ls2 /q
s2 connect
s1 close
s2 ls2 /q

=== multi-failed-sequential-consumes-nothing
s1 connect
s1 create /q
s1 multi [create /q/s- flags=seq; create /q/s- flags=seq; create /missing/x]
s1 create /q/s- flags=seq
s1 ls2 /q

=== multi-large
s1 connect
s1 create /m
s1 multi [create /m/0; create /m/1; create /m/2; create /m/3; create /m/4; create /m/5; create /m/6; create /m/7; create /m/8; create /m/9; create /m/10; create /m/11; create /m/12; create /m/13; create /m/14; create /m/15; create /m/16; create /m/17; create /m/18; create /m/19]
s1 ls2 /m
s1 count /m

# addWatch (106): persistent and persistent-recursive watches.

=== addwatch-persistent
s1 connect
s2 connect
s1 addwatch /a persistent
s2 create /a x
s2 set /a y
s2 create /a/b
s2 set /a/b z
s2 create /a/b/c
s2 delete /a/b/c
s2 delete /a/b
s2 delete /a
s2 create /a
s1 events

=== addwatch-recursive
s1 connect
s2 connect
s1 addwatch /r recursive
s2 create /r
s2 create /r/x
s2 create /r/x/y v
s2 set /r/x/y w
s2 delete /r/x/y
s2 create /rr
s2 create /r/e x flags=ephemeral
s2 close
s1 events

=== addwatch-bad-modes
s1 connect
s1 addwatch /a 2
s1 alive
s2 connect
s2 addwatch /a -1
s2 alive
s3 connect
s3 addwatch "" persistent
s3 addwatch a recursive
s3 alive

=== addwatch-with-standard-watches
s1 connect
s2 connect
s1 create /a
s1 get /a watch
s1 ls /a watch
s1 addwatch /a persistent
s2 set /a x
s2 create /a/c
s1 events
s2 set /a y
s1 events
s1 checkwatches /a data
s1 checkwatches /a children
s1 checkwatches /a persistent

=== addwatch-recursive-and-persistent-same-path
s1 connect
s2 connect
s1 addwatch /a recursive
s1 addwatch /a persistent
s2 create /a
s2 create /a/b
s2 set /a/b x
s1 events
s1 checkwatches /a recursive
s1 checkwatches /a persistent
s1 removewatches /a recursive
s1 checkwatches /a recursive
s1 checkwatches /a persistent
s2 create /a/c
s2 set /a 1
s1 events

=== addwatch-remove-persistent
s1 connect
s2 connect
s1 addwatch /a persistent
s1 checkwatches /a persistent
s1 checkwatches /a data
s1 checkwatches /a children
s1 checkwatches /a any
s1 removewatches /a data
s1 checkwatches /a persistent
s1 removewatches /a persistent
s1 checkwatches /a persistent
s1 checkwatches /a any
s2 create /a
s1 events

=== addwatch-recursive-ancestors
s1 connect
s2 connect
s2 create /a
s2 create /a/b
s1 addwatch /a recursive
s1 addwatch /a/b recursive
s2 create /a/b/c
s2 set /a/b x
s1 events
s1 removewatches /a recursive
s2 create /a/b/d
s2 create /a/z
s1 events

=== addwatch-persistent-multi
s1 connect
s2 connect
s1 addwatch / recursive
s2 multi [create /m; create /m/a; set /m x; delete /m/a]
s1 events

=== addwatch-persistent-setacl-noauth-node
s1 connect
s2 connect
s1 addwatch /a recursive
s2 create /a x acl=31:digest:@x:y
s2 auth digest x:y
s2 create /a/b x acl=31:digest:@x:y
s2 set /a/b y
s1 events

=== addwatch-survives-resume
s1 connect
s2 connect
s1 addwatch /a persistent
s3 connect session=s1
s2 create /a
s3 events
s1 alive

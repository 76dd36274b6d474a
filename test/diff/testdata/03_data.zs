# getData / setData / exists: versions, null vs empty, big data, stats.

=== set-versions
s1 connect
s1 create /a v0
s1 set /a v1 0
s1 set /a v2 0
s1 set /a v2 -1
s1 set /a v3 2
s1 set /a v4 -2
s1 get /a
s1 set /missing x
s1 set /missing x 5

=== set-null-empty-binary
s1 connect
s1 create /a
s1 set /a null
s1 get /a
s1 set /a ""
s1 get /a
s1 set /a x:0001ff
s1 get /a
s1 set /a "\u00e9\u4e2d"
s1 get /a

=== stat-after-setacl-and-children
s1 connect
s1 create /a x
s1 setacl /a open
s1 exists /a
s1 create /a/b
s1 set /a y
s1 setacl /a read 1
s1 exists /a
s1 get /a/b

=== exists-missing-and-present
s1 connect
s1 exists /a
s1 exists /a watch
s1 create /a
s1 exists /a
s1 exists /a/b/c

=== get-missing
s1 connect
s1 get /a
s1 get /a watch
s2 connect
s2 create /a x
s1 events
s1 get /a watch
s2 set /a y
s1 events

=== big-data-near-limit
s1 connect
s1 create /b big:1048000
s1 get /b
s1 set /b big:1048400
s1 exists /b
s1 create /c big:1048517
s1 exists /c
s1 alive

=== big-data-over-limit
s1 connect
s1 create /c big:1048518
s1 alive
s2 connect
s2 exists /c
s2 create /d x
s2 set /d big:1048600
s2 alive
s3 connect
s3 get /d

=== big-data-setdata-at-limit
s1 connect
s1 create /d
s1 set /d big:1048544
s1 exists /d
s1 set /d big:1048545
s1 alive

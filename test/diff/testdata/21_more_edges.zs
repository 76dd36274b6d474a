# Assorted edges: long paths, deep trees, repeated watch registrations,
# ephemerals of a closing session, negative relative zxids.

=== long-path-and-deep-tree
s1 connect
s1 create /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa x
s1 ls /
s1 create /d
s1 multi [create /d/1; create /d/1/2; create /d/1/2/3; create /d/1/2/3/4; create /d/1/2/3/4/5; create /d/1/2/3/4/5/6; create /d/1/2/3/4/5/6/7; create /d/1/2/3/4/5/6/7/8]
s1 count /d
s1 get /d/1/2/3/4/5/6/7/8
s1 delete /d/1
s1 ls2 /d/1/2/3/4/5/6/7

=== watch-registered-twice-fires-once
s1 connect
s2 connect
s1 create /a
s2 get /a watch
s2 get /a watch
s2 exists /a watch
s2 addwatch /a persistent
s2 addwatch /a persistent
s1 set /a x
s2 events
s1 set /a y
s2 events

=== persistent-watch-survives-delete-and-recreate
s1 connect
s2 connect
s2 addwatch /a persistent
s1 create /a
s1 delete /a
s1 create /a x
s1 set /a y
s2 events
s2 checkwatches /a any

=== recursive-watch-multi-delete-subtree
s1 connect
s2 connect
s1 create /r
s1 create /r/a
s1 create /r/a/b
s2 addwatch /r recursive
s1 multi [delete /r/a/b; delete /r/a; delete /r]
s2 events

=== setwatches-negative-relative-zxid
s1 connect
s1 create /a x
s1 create /p
s2 connect
s2 setwatches -1 data=/a exist=/a child=/p
s2 events
s2 setwatches -5 data=/missing child=/missing
s2 events

=== ephemeral-create-after-close-in-pipeline
s1 connect
s1 pipe [create /e x flags=ephemeral; closesession]
s2 connect
s2 exists /e
s2 create /e y flags=ephemeral
s2 exists /e

=== ephemeral-owner-after-resume-by-other-connection
s1 connect
s1 create /e x flags=ephemeral
s2 connect session=s1
s2 exists /e
s2 delete /e
s2 create /e y flags=ephemeral
s3 connect
s3 exists /e

=== data-roundtrip-binary-values
s1 connect
s1 create /a x:00
s1 get /a
s1 set /a x:ffffffff
s1 get /a
s1 set /a "\u0000\u0001\u00ff"
s1 get /a
s1 set /a x:efbfbd
s1 get /a
s1 create /b x:c0af
s1 get /b

=== multi-big-near-limit
s1 connect
s1 multi [create /a big:500000; create /b big:500000]
s1 exists /a
s1 exists /b
s1 multi [create /c big:600000; create /d big:600000]
s1 alive

=== children-watch-on-root-of-subtree-with-ephemerals
s1 connect
s2 connect
s2 ls / watch
s1 create /e x flags=eseq
s2 events
s2 ls2 / watch
s1 close
s2 events
s2 ls2 /

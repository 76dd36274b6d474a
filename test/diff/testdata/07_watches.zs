# One-shot watches, their interleaving with replies, checkWatches and
# removeWatches (PROTOCOL.md §11).

=== watch-data-fires-once
s1 connect
s2 connect
s1 create /a x
s2 get /a watch
s1 set /a y
s1 set /a z
s2 events
s2 get /a
s1 set /a w
s2 events

=== watch-exists-on-missing
s1 connect
s2 connect
s2 exists /a watch
s1 create /a x
s2 events
s2 exists /a watch
s1 delete /a
s2 events

=== watch-children
s1 connect
s2 connect
s1 create /p
s2 ls /p watch
s1 create /p/a
s2 events
s2 ls2 /p watch
s1 set /p/a x
s1 set /p x
s2 events
s1 delete /p/a
s2 events

=== watch-delete-one-event-per-connection
s1 connect
s2 connect
s1 create /a
s2 get /a watch
s2 ls /a watch
s2 exists /a watch
s1 delete /a
s2 events

=== watch-exists-and-get-same-node
s1 connect
s2 connect
s1 create /a
s2 exists /a watch
s2 get /a watch
s1 set /a x
s2 events
s1 set /a y
s2 events

=== watch-two-sessions
s1 connect
s2 connect
s3 connect
s1 create /a
s2 get /a watch
s3 get /a watch
s1 set /a x
s2 events
s3 events

=== watch-own-write-event-before-reply
s1 connect
s1 create /a
s1 get /a watch
s1 ls / watch
s1 set /a x
s1 create /b
s1 exists /c watch
s1 create /c

=== watch-pipelined-ordering
s1 connect
s1 create /a
s1 pipe [get /a watch; set /a x; get /a watch; set /a y; get /a; ls / watch; create /b; exists /b]

=== watch-two-connections-ordering
s1 connect
s2 connect
s1 create /a
s2 get /a watch
s1 pipe [set /a 1; set /a 2; set /a 3]
s2 get /a watch
s1 set /a 4
s2 get /a
s2 events

=== watch-ephemeral-deleted-on-close
s1 connect
s2 connect
s1 create /e x flags=ephemeral
s1 create /p
s1 create /p/e x flags=ephemeral
s2 exists /e watch
s2 ls /p watch
s1 close
s2 events
s2 exists /e

=== watch-not-fired-by-setacl-sync-reads
s1 connect
s2 connect
s1 create /a
s2 get /a watch
s2 ls /a watch
s1 setacl /a open
s1 sync /a
s1 get /a
s1 ls /a
s1 exists /a
s2 events
s1 set /a x
s2 events

=== watch-child-not-fired-by-data-change
s1 connect
s2 connect
s1 create /p
s1 create /p/c
s2 ls /p watch
s1 set /p x
s1 set /p/c y
s2 events
s1 create /p/d
s2 events

=== watch-failed-write-no-event
s1 connect
s2 connect
s1 create /a
s2 get /a watch
s2 exists /b watch
s1 set /a x 7
s1 create /a
s1 delete /a 9
s1 multi [create /b; set /a z 5]
s2 events
s1 create /b
s2 events

=== watch-missing-get-and-ls-no-watch
s1 connect
s2 connect
s2 get /a watch
s2 ls /a watch
s2 ls2 /a watch
s1 create /a
s2 events

=== watch-lost-on-drop
s1 connect
s2 connect
s1 create /a
s1 get /a watch
s1 drop
s2 set /a x
s3 connect session=s1
s3 events
s2 set /a y
s3 events

=== watch-events-on-resume-connection
s1 connect
s2 connect
s1 create /a
s1 get /a watch
s3 connect session=s1
s2 set /a x
s3 events
s1 alive

=== checkwatches-and-removewatches
s1 connect
s2 connect
s1 create /a
s1 get /a watch
s1 checkwatches /a data
s1 checkwatches /a children
s1 checkwatches /a any
s1 checkwatches /a persistent
s1 checkwatches /a recursive
s1 removewatches /a children
s1 removewatches /a data
s1 checkwatches /a data
s1 checkwatches /a any
s2 set /a x
s1 events
s1 ls /a watch
s1 checkwatches /a children
s1 checkwatches /a data
s1 removewatches /a any
s1 checkwatches /a any
s1 checkwatches /missing data
s1 removewatches /missing any
s1 checkwatches /a 9
s1 removewatches /a 0
s1 alive

=== removewatches-exists-watch-on-missing
s1 connect
s2 connect
s1 exists /a watch
s1 checkwatches /a data
s1 checkwatches /a children
s1 removewatches /a data
s2 create /a
s1 events
s1 exists /b watch
s1 removewatches /b any
s2 create /b
s1 events

=== removewatches-is-per-connection
s1 connect
s2 connect
s1 create /a
s1 get /a watch
s2 get /a watch
s2 removewatches /a data
s1 checkwatches /a data
s2 set /a x
s1 events
s2 events

=== watch-delete-parent-and-child-events
s1 connect
s2 connect
s1 create /p
s1 create /p/c
s2 get /p/c watch
s2 ls /p watch
s2 get /p watch
s1 multi [delete /p/c; delete /p]
s2 events

# ZooKeeper 3.8.0's checkWatches (WatchManager.containsWatcher) answers Ok
# when any connection has a watch of that kind on the path.
=== checkwatches-sees-other-connections-watches
s1 connect
s2 connect
s1 create /a
s1 get /a watch
s2 checkwatches /a data
s2 checkwatches /a children
s2 removewatches /a data
s1 ls /a watch
s2 checkwatches /a children
s2 checkwatches /a any
s2 removewatches /a any

# More watch interleavings.

=== watch-create-and-delete-in-one-multi
s1 connect
s2 connect
s2 exists /a watch
s2 ls / watch
s1 multi [create /a; delete /a]
s2 events
s2 exists /a

=== watch-own-ephemeral-on-close
s1 connect
s1 create /e x flags=ephemeral
s1 exists /e watch
s1 ls / watch
s1 close

=== watch-session-close-several-watchers
s1 connect
s2 connect
s3 connect
s1 create /e x flags=ephemeral
s2 get /e watch
s3 ls / watch
s1 close
s2 events
s3 events

=== watch-rewatch-in-event-handler-order
s1 connect
s2 connect
s1 create /a 0
s2 get /a watch
s1 set /a 1
s2 get /a watch
s1 set /a 2
s1 set /a 3
s2 events
s2 get /a

=== watch-child-watch-then-parent-deleted
s1 connect
s2 connect
s1 create /p
s2 ls /p watch
s2 ls2 /p watch
s1 delete /p
s2 events
s2 ls /p watch
s1 create /p
s2 events

=== watch-data-watch-on-sequential-parent
s1 connect
s2 connect
s1 create /q
s2 ls /q watch
s1 create /q/s- flags=seq
s2 events
s2 ls /q watch
s1 create /q/s- flags=eseq
s2 events

=== watch-exists-watch-after-failed-create
s1 connect
s2 connect
s1 create /a
s2 exists /b watch
s1 create /a/b/c
s1 create /b acl=none
s2 events
s1 create /b
s2 events

=== watch-many-paths-one-connection-ordering
s1 connect
s2 connect
s1 create /a
s1 create /b
s1 create /c
s2 get /c watch
s2 get /a watch
s2 get /b watch
s1 set /b 1
s1 set /a 1
s1 set /c 1
s2 events

=== watch-event-before-later-read-reply
s1 connect
s2 connect
s1 create /a 0
s2 get /a watch
s1 set /a 1
s2 get /a

=== watch-setdata-same-value
s1 connect
s2 connect
s1 create /a same
s2 get /a watch
s1 set /a same
s2 events
s2 get /a

=== watch-persistent-and-children-of-ephemeral
s1 connect
s2 connect
s2 addwatch / recursive
s1 create /e x flags=ephemeral
s1 create /s x flags=eseq
s1 set /e y
s1 close
s2 events

# More ACL cases.

=== acl-admin-only-getacl-and-setacl
s1 connect
s1 create /a x acl=a
s1 getacl /a
s1 get /a
s1 setacl /a r
s1 getacl /a
s1 get /a
s1 setacl /a open

=== acl-create-perm-only
s1 connect
s1 create /c x acl=c
s1 create /c/child
s1 create /c/e x flags=ephemeral
s1 create /c/s- x flags=seq
s1 ls /c
s1 delete /c/child
s1 multi [create /c/m; create /c/m/n]

=== acl-delete-perm-only
s1 connect
s1 auth digest super:diffsuper
s1 create /d x acl=d
s1 create /d/child
s2 connect
s2 delete /d/child
s2 delete /d/missing
s2 create /d/x
s2 delete /d

=== acl-setacl-then-access-changes
s1 connect
s2 connect
s1 auth digest owner:pw
s1 create /a x
s2 get /a
s1 setacl /a 31:digest:@owner:pw
s2 get /a
s2 set /a y
s1 setacl /a 31:digest:@owner:pw,1:world:anyone
s2 get /a
s2 set /a y

=== acl-digest-special-characters
s1 connect
s1 auth digest "us er:p@ss:w0rd"
s1 create /a x acl="31:digest:@us er:p@ss:w0rd"
s1 getacl /a
s1 get /a
s1 whoami
s2 connect
s2 auth digest "\u00fcser:\u00e9"
s2 create /b x acl=creator
s2 getacl /b
s2 whoami

=== acl-ip-ranges-and-mixed
s1 connect
s1 create /a x acl=1:ip:10.0.0.0/8,2:ip:127.0.0.1/32,4:world:anyone
s1 get /a
s1 set /a y
s1 create /a/c
s1 getacl /a

=== acl-on-ephemeral-and-multi-check
s1 connect
s2 connect
s1 create /e x flags=ephemeral acl=1:digest:@u:p
s2 get /e
s2 multi [check /e 0]
s2 auth digest u:p
s2 multi [check /e 0]
s2 delete /e

=== acl-unauthed-watch-events
s1 connect
s2 connect
s1 create /a x acl=1:digest:@u:p
s2 exists /a watch
s2 addwatch /a persistent
s1 auth digest super:diffsuper
s1 set /a y
s1 delete /a
s2 events

=== acl-standard-watches-without-read
s1 connect
s2 connect
s1 auth digest super:diffsuper
s2 exists /a watch
s2 exists /b watch
s1 create /p x acl=1:digest:@u:p
s2 ls /p watch
s1 create /a x acl=1:digest:@u:p
s1 create /b x
s1 create /p/c
s2 events
s2 exists /a watch
s1 set /a y
s2 events
s1 delete /a
s2 events

=== acl-persistent-watch-without-read
s1 connect
s2 connect
s1 auth digest super:diffsuper
s2 addwatch /a persistent
s2 addwatch /r recursive
s1 create /a x acl=1:digest:@u:p
s1 set /a y
s1 create /a/c
s1 create /r x acl=1:digest:@u:p
s1 create /r/open x
s1 create /r/closed x acl=1:digest:@u:p
s1 set /r/open z
s1 set /r/closed z
s2 events

=== acl-watch-events-after-auth
s1 connect
s2 connect
s1 auth digest super:diffsuper
s1 create /a x acl=1:digest:@u:p
s2 addwatch /a persistent
s1 set /a 1
s2 events
s2 auth digest u:p
s1 set /a 2
s2 events

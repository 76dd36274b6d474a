# Error precedence of writes (PROTOCOL.md §6: the first failing check wins).

=== precedence-setdata
s1 connect
s1 auth digest super:diffsuper
s1 create /l x acl=1:digest:@x:y
s2 connect
s2 set "/missing\x01" x 5
s2 set /missing x 5
s2 set /l x 5
s2 set /l x 0
s1 set /l x 5
s1 set /l x 0

=== precedence-setacl
s1 connect
s1 auth digest super:diffsuper
s1 create /l x acl=1:digest:@x:y
s2 connect
s2 setacl "/missing\x01" 31:world:foo 5
s2 setacl /missing 31:world:foo 5
s2 setacl /missing open 5
s2 setacl /l 31:world:foo 5
s2 setacl /l open 5
s2 setacl /l creator 0
s1 setacl /l open 5
s1 setacl /l open 0

=== precedence-delete
s1 connect
s1 auth digest super:diffsuper
s1 create /l x acl=1:digest:@x:y
s1 create /l/c
s1 create /l/c/d
s1 create /o
s1 create /o/c
s1 create /o/c/d
s2 connect
s2 delete /l/c 5
s2 delete /l/missing 5
s2 delete /o/c 5
s2 delete /o/c 0
s2 delete /o/missing 5
s2 delete "/o/c\x00" 5

=== precedence-create-ttl-and-flags
s1 connect
s1 create /p x acl=r
s1 createttl /p/t x ttl=0 flags=9
s1 createttl /p/t x ttl=0 flags=ttl
s1 createttl /p/t x ttl=100 flags=ttl acl=none
s1 createttl /p/t x ttl=100 flags=ttl
s1 createttl /missing/t x ttl=100 flags=ttl acl=31:world:foo
s1 createcontainer /p/c x acl=none
s1 createcontainer /p/c x

=== precedence-creator-acl-without-auth
s1 connect
s1 create /p x acl=r
s1 create /p/c x acl=creator
s1 create /missing/c x acl=creator
s1 create /a x
s1 setacl /a creator
s1 setacl /missing creator
s1 multi [create /b x acl=creator]
s1 auth ip 127.0.0.1
s1 create /c x acl=creator

=== precedence-multi-first-error-wins
s1 connect
s1 create /p x acl=r
s1 multi [create /p/c; create /missing/c; create a]
s1 multi [create /missing/c; create /p/c]
s1 multi [check /p 5; set /p x 9]
s1 multi [set /p x 9; check /p 5]
s1 multi [delete /p 7; delete /p 0]

# getChildren (8) / getChildren2 (12), numChildren, cversion, pzxid,
# getAllChildrenNumber (104).

=== children-basic
s1 connect
s1 create /p
s1 ls /p
s1 ls2 /p
s1 create /p/b
s1 create /p/a
s1 create /p/c x flags=ephemeral
s1 ls /p
s1 ls2 /p
s1 ls /p/a
s1 ls /missing
s1 ls2 /missing

=== children-cversion-pzxid-on-create-delete-set
s1 connect
s1 create /p
s1 create /p/a
s1 set /p/a x
s1 ls2 /p
s1 set /p y
s1 ls2 /p
s1 setacl /p open
s1 ls2 /p
s1 delete /p/a
s1 ls2 /p
s1 create /p/a
s1 ls2 /p

=== children-many-and-unicode-names
s1 connect
s1 create /p
s1 create "/p/\u00e9t\u00e9"
s1 create "/p/\u4e2d\u6587"
s1 create "/p/a b"
s1 create /p/.hidden
s1 create /p/...
s1 create /p/a-0000000001
s1 create /p/zz flags=seq
s1 ls2 /p

=== count-descendants
s1 connect
s1 create /p
s1 count /p
s1 create /p/a
s1 create /p/a/b
s1 create /p/a/b/c
s1 create /p/d x flags=ephemeral
s1 count /p
s1 count /p/a
s1 count /p/a/b/c
s1 count /missing
s1 count /p/

=== count-noauth
s1 connect
s1 create /p x acl=31:digest:@u:p
s1 count /p
s1 auth digest u:p
s1 create /p/a
s1 count /p
s2 connect
s2 count /p
s2 count /p/a

=== children-of-ephemeral-and-container
s1 connect
s1 create /e x flags=ephemeral
s1 ls2 /e
s1 createcontainer /c
s1 create /c/a
s1 create /c/b x flags=ephemeral
s1 ls2 /c
s1 count /c

# Path validation (PROTOCOL.md §13): which ops validate, odd unicode,
# control characters, dots, slashes.

=== path-create-dots-and-slashes
s1 connect
s1 create /p
s1 create /p/.
s1 create /p/..
s1 create /p/...
s1 create /p/.x
s1 create /p/x.
s1 create /p/./x
s1 create /p/../x
s1 create /p/
s1 create /p//x
s1 create //x
s1 create /p/x/
s1 create a
s1 create ""
s1 create null
s1 create " /a"
s1 ls2 /p

=== path-create-control-chars
s1 connect
s1 create /p
s1 create "/p/a\x00b"
s1 create "/p/a\x01"
s1 create "/p/a\x1f"
s1 create "/p/a\x7f"
s1 create "/p/a\u0080"
s1 create "/p/a\u009f"
s1 create "/p/a\u00a0"
s1 create "/p/a\t"
s1 create "/p/a\n"
s1 ls /p

=== path-create-unicode-ranges
s1 connect
s1 create /p
s1 create "/p/\u00e9"
s1 create "/p/\u4e2d"
s1 create "/p/\ud7ff"
s1 create "/p/\xed\xa0\x80"
s1 create "/p/\xed\xbf\xbf"
s1 create "/p/\ue000"
s1 create "/p/\uf8ff"
s1 create "/p/\uf900"
s1 create "/p/\ufeff"
s1 create "/p/\uffef"
s1 create "/p/\ufff0"
s1 create "/p/\ufffd"
s1 create "/p/\uffff"
s1 create "/p/\U0001F600"
s1 create "/p/\xff"
s1 create "/p/\xc3"
s1 create "/p/\xc0\xaf"
s1 create "/p/\u2028"
s1 ls /p

=== path-validation-per-op
s1 connect
s1 create /p
s1 set /p/. x
s1 set "/p/a\x01" x
s1 set /p/ x
s1 set a x
s1 setacl /p/. open
s1 setacl a open
s1 get /p/.
s1 get /p/
s1 get a
s1 get "/p\x00"
s1 exists /p/.
s1 exists "/p\x00"
s1 exists a
s1 ls /p/
s1 ls "/p\x00"
s1 getacl /p/.
s1 count /p/.
s1 sync /p/.
s1 sync a
s1 sync ""
s1 multi [check /p/. 0]
s1 multi [check a 0]
s1 multiread [get /p/.; ls a]
s1 ephemerals /p/.
s1 addwatch /p/. persistent
s1 checkwatches /p/. data
s1 alive

=== path-set-and-delete-invalid
s1 connect
s1 create /p
s1 delete "/p\x01"
s1 delete /p/
s1 delete /p/..
s1 delete //p
s1 exists /p

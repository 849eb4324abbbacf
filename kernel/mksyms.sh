#!/bin/sh
# Turn `nm -n kernel.elf` output (on stdin) into assembly for the .ksyms
# section: a sorted table of (address, name) for every function, which
# printf.c's backtrace uses to name return addresses.
echo '	.section .ksyms, "a"'
echo '	.balign 8'
echo '	.globl ksyms_table'
echo 'ksyms_table:'
awk '$2 == "T" || $2 == "t" { n++; printf "\t.quad 0x%s, .Lname%d\n", $1, n; names[n] = $3 }
     END { print "\t.globl ksyms_count"; print "ksyms_count:"; printf "\t.quad %d\n", n;
           for (i = 1; i <= n; i++) printf ".Lname%d: .asciz \"%s\"\n", i, names[i] }'

#!/bin/sh
# Write assembly for the boot archive: the user programs given as arguments,
# linked into the kernel image's .bootfs section behind a header that
# lists each program's name, offset and size (struct bootfs in
# include/mica/bootinfo.h). The root task receives it mapped read-only.
echo '	.section .bootfs, "a"'
echo '	.balign 4096'
echo 'archive:'
echo "	.quad $#"
i=0
for f in "$@"; do
	i=$((i + 1))
	name=$(basename "$f")
	if [ ${#name} -ge 24 ]; then echo "mkbootfs: name too long: $name" >&2; exit 1; fi
	echo "	.ascii \"$name\""
	echo "	.fill $((24 - ${#name})), 1, 0"
	echo "	.quad file$i - archive, file${i}_end - file$i"
done
i=0
for f in "$@"; do
	i=$((i + 1))
	echo '	.balign 4096'
	echo "file$i: .incbin \"$f\""
	echo "file${i}_end:"
done

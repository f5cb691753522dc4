# tests/bats/rootfs_helpers.bash - helpers of rootfs.bats (on top of helpers.bash).
#
#   rootfs_tools             put /bin/mi into $BUNDLE's rootfs
#   in the container:  mi MOUNTPOINT  prints the topmost mount there as
#       "MOUNTPOINT type=TYPE opts=A,B optional=shared:1,master:2 super=C,D"
#       (optional is "-" when empty); exit 1 and "no mount at X" when none.
#   mi_get LINE FIELD        a field of such a line (from $output)
#   opt_has LIST WORD        WORD is one of the comma-separated LIST
#   assert_mount_opt OUT MP FIELD WORD   the "mi MP" line in OUT has WORD in FIELD
#   host_mount_tmpfs DIR [--make-shared]  a tmpfs on the host, unmounted by
#                            rootfs_teardown (and by skiff_teardown anyway)

rootfs_tools() {
	rootfs_write "$BUNDLE" bin/mi 0755 <<'SH'
#!/bin/sh
awk -v m="$1" '$5 == m {
	o = ""
	for (i = 7; $i != "-"; i++) o = o (o == "" ? "" : ",") $i
	if (o == "") o = "-"
	l = m " type=" $(i + 1) " opts=" $6 " optional=" o " super=" $(i + 3)
} END { if (l == "") { print "no mount at " m; exit 1 } print l }' /proc/self/mountinfo
SH
}

# mi_line OUT MP: the line of OUT that starts with "MP type=".
mi_line() {
	printf '%s\n' "$1" | grep -F -- "$2 type=" | head -1
}

mi_get() {
	local f
	for f in $1; do
		case $f in "$2"=*) echo "${f#*=}"; return 0 ;; esac
	done
	return 1
}

opt_has() {
	case ",$1," in *",$2,"*) return 0 ;; esac
	return 1
}

assert_mount_opt() {
	local line v
	line=$(mi_line "$1" "$2")
	if [ -z "$line" ]; then
		echo "no mount line for $2 in: $1" >&2
		return 1
	fi
	v=$(mi_get "$line" "$3")
	if ! opt_has "$v" "$4"; then
		echo "$2: $3 '$v' lacks '$4' (line: $line)" >&2
		return 1
	fi
}

assert_no_mount_opt() {
	local line v
	line=$(mi_line "$1" "$2")
	[ -n "$line" ] || { echo "no mount line for $2 in: $1" >&2; return 1; }
	v=$(mi_get "$line" "$3")
	if opt_has "$v" "$4"; then
		echo "$2: $3 '$v' has '$4' (line: $line)" >&2
		return 1
	fi
}

# optional field contains a tag (shared:, master:, unbindable)
assert_optional() {
	local line
	line=$(mi_line "$1" "$2")
	[ -n "$line" ] || { echo "no mount line for $2 in: $1" >&2; return 1; }
	case " $(mi_get "$line" optional) " in
	*"$3"*) return 0 ;;
	esac
	echo "$2: optional fields lack '$3' (line: $line)" >&2
	return 1
}

host_mount_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs skiff-test-tmpfs "$1" || return 1
	ROOTFS_HOST_MOUNTS="$1 ${ROOTFS_HOST_MOUNTS:-}"
	if [ "${2:-}" = --make-shared ]; then
		mount --make-shared "$1" || return 1
	fi
}

rootfs_teardown() {
	local m
	for m in ${ROOTFS_HOST_MOUNTS:-}; do
		umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	ROOTFS_HOST_MOUNTS=
}

# add_mount BUNDLE JSON-OBJECT: append to "mounts".
add_mount() {
	python3 - "$1/config.json" "$2" <<'PY'
import json, sys
p = sys.argv[1]
with open(p) as f:
    c = json.load(f)
c.setdefault("mounts", []).append(json.loads(sys.argv[2]))
with open(p, "w") as f:
    json.dump(c, f, indent=1)
PY
}

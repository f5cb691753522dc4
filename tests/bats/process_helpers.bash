# process_helpers.bash - busybox bundles and config edits for process.bats.
#
#   setup_bundle            make $BUNDLE (rootfs = static busybox) and $ROOT
#   cfg 'PYTHON'            edit $BUNDLE/config.json; the config is `c`
#   set_args ARG...         process.args
#   skiff_run               `$SKIFF --root $ROOT run -b $BUNDLE $ID` via bats' run
#   cap_mask NAME...        hex bitmask of capability names (16 digits)
#   teardown_bundle         delete the container, remove the temp dirs
#
# config.json is edited with python3 (jq may be absent).

SKIFF=${SKIFF:-skiff}

BUSYBOX_APPLETS="sh cat id grep ls pwd env echo sleep mkdir true false test head
hostname kill umask stat readlink linux32 unshare"

busybox_bin() {
	local b
	for b in /bin/busybox /usr/bin/busybox; do
		if [ -x "$b" ] && file -L "$b" 2>/dev/null | grep -q 'statically linked'; then
			echo "$b"
			return 0
		fi
	done
	for b in /bin/busybox /usr/bin/busybox; do
		[ -x "$b" ] && { echo "$b"; return 0; }
	done
	return 1
}

setup_bundle() {
	local bb a
	bb=$(busybox_bin) || skip "busybox-static is not installed"
	TMP=$(mktemp -d /tmp/skiff-test-process.XXXXXX)
	BUNDLE=$TMP/bundle
	ROOT=$TMP/state
	ID=skiff-test-proc-$$-${BATS_TEST_NUMBER:-0}
	mkdir -p "$BUNDLE/rootfs/bin" "$BUNDLE/rootfs/proc" "$BUNDLE/rootfs/dev" \
		"$BUNDLE/rootfs/tmp" "$BUNDLE/rootfs/etc" "$BUNDLE/rootfs/home/user" "$ROOT"
	cp "$bb" "$BUNDLE/rootfs/bin/busybox"
	for a in $BUSYBOX_APPLETS; do
		ln -sf busybox "$BUNDLE/rootfs/bin/$a"
	done
	chown 1000:1000 "$BUNDLE/rootfs/home/user"
	chmod 1777 "$BUNDLE/rootfs/tmp"
	printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n' \
		>"$BUNDLE/rootfs/etc/passwd"
	printf 'root:x:0:\nuser:x:1000:\n' >"$BUNDLE/rootfs/etc/group"
	python3 - "$BUNDLE/config.json" <<'PY'
import json, sys
caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
        "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
c = {
    "ociVersion": "1.2.0",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": ["sh", "-c", "true"],
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm"],
        "cwd": "/",
        "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": False},
    "hostname": "skiff-test",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "nodev", "mode=1777"]},
    ],
    "linux": {
        "namespaces": [{"type": t} for t in ["pid", "network", "ipc", "uts", "mount"]],
        "maskedPaths": ["/proc/kcore"],
        "readonlyPaths": ["/proc/sys"],
    },
}
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
}

# cfg 'c["process"]["cwd"] = "/tmp"'  (several statements: separate with ;
# or newlines; `CAPS(...)` is not needed: names are strings)
cfg() {
	python3 - "$BUNDLE/config.json" "$1" <<'PY'
import json, sys
path, code = sys.argv[1], sys.argv[2]
c = json.load(open(path))
exec(code, {"c": c, "json": json})
json.dump(c, open(path, "w"), indent=1)
PY
}

# set_args sh -c 'echo hi'
set_args() {
	python3 - "$BUNDLE/config.json" "$@" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = sys.argv[2:]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
}

skiff_run() {
	run timeout 30 "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID"
}

# cap_mask CAP_KILL CAP_CHOWN -> 0000000000000021 (as /proc/PID/status prints)
cap_mask() {
	python3 - "$@" <<'PY'
import sys
names = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
         "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
         "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE",
         "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT",
         "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
         "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
         "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"]
m = 0
for n in sys.argv[1:]:
    m |= 1 << names.index(n[4:] if n.startswith("CAP_") else n)
print("%016x" % m)
PY
}

teardown_bundle() {
	if [ -n "${ID:-}" ] && [ -n "${ROOT:-}" ]; then
		"$SKIFF" --root "$ROOT" delete -f "$ID" >/dev/null 2>&1 || true
	fi
	if [ -n "${TMP:-}" ] && [ -d "$TMP" ]; then
		rm -rf "$TMP"
	fi
}
